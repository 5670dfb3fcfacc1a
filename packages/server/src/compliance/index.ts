/**
 * compliance: read-mostly reports over the other modules (it may import any module's index):
 * usage reports, security audit checks, findings, change control and the risk register.
 */
export * from './usage/index.js';
export * from './audit-log/index.js';
export * from './checks/index.js';
export * from './findings/index.js';
export * from './changes/index.js';
export * from './risks/index.js';
export * from './vulnerabilities/index.js';
export * from './report/index.js';
export * from './dashboards/index.js';
