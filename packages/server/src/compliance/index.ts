/**
 * compliance: read-mostly reports over the other modules (it may import any module's index).
 */
export * from './usage/index.js';
export * from './audit-log/index.js';
