/**
 * alerts: clinical threshold alerts and security detectors; delivery (webhook, email, syslog).
 * Other modules and transports import only this file.
 */
export * from './delivery/index.js';
