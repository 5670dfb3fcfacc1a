/**
 * compliance/changes: change requests with two-person approval, emergency changes and their review.
 */
export * from './model.js';
export type { ChangeQuery, ChangeRequestStore, ChangeScope } from './store.js';
export { ChangeService, type ChangeInput, type ChangeServiceDeps } from './change-service.js';
export { ChangeApplierRegistry, CHANGE_KIND_POLICIES, FIRMWARE_ROLLOUT_HOOK, type ChangeApplier, type ChangeKindHandler, type ChangeKindPolicy, type ChangeValidator } from './appliers.js';
export { emergencyReviewCheck } from './change-checks.js';
