/**
 * compliance/changes: change requests with two-person approval, emergency changes and their review.
 */
export * from './model.js';
export type { ChangeQuery, ChangeRequestStore, ChangeScope } from './store.js';
export { ChangeService, type ChangeApplier, type ChangeInput, type ChangeServiceDeps } from './change-service.js';
export { emergencyReviewCheck } from './change-checks.js';
