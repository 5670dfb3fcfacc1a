/**
 * compliance/findings: audit runs, findings and their lifecycle.
 */
export * from './model.js';
export type { AuditRun, FindingQuery, FindingScope, FindingStore, StoredCheckResult } from './store.js';
export { AuditRunService, actorOf, type AuditRunServiceDeps, type FindingFilter } from './audit-run-service.js';
export { dueCadence, DEFAULT_AUDIT_SCHEDULE, type AuditSchedule } from './schedule.js';
export { MitigationService, MITIGATION_ACTIONS, mitigationRequestId, type MitigationAction, type MitigationPorts } from './mitigation-actions.js';
export { collides, detached, findingStamp, type CheckSummary, type DetachedReconciled, type OffThreadAudits, type OffThreadSession } from './off-thread.js';
