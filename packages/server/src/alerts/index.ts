/** alerts: clinical threshold alerts and security detectors (one export line per sub-module). */
export * from './security/index.js';
