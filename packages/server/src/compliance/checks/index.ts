/**
 * compliance/checks: the audit check catalogue (devices, people, platform) and its runner.
 */
export * from './model.js';
export * from './evidence.js';
export { BUILT_IN_CHECKS, buildCatalogue, runChecks, type CheckResult, type CheckStatus } from './catalogue.js';
