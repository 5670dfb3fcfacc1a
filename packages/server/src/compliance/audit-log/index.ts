/**
 * compliance/audit-log: the audit log for its reviewers (search, export, verification state).
 */
export {
  AuditLogService,
  MAX_PAGE as MAX_AUDIT_PAGE,
  type AuditLogScope,
  type AuditLogServiceDeps,
  type AuditSearchInput,
  type AuditSearchPage,
  type VerificationState,
} from './audit-log-service.js';
