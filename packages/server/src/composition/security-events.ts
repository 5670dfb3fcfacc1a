/**
 * Wiring of issue 11 item 5 on the security-event stream: the detectors' state survives a restart
 * (saved in system_meta every minute and at shutdown, loaded at start), and the security-event
 * store is capped by age and size by a scheduled job that raises a platform alert at the cap.
 *
 * MUST: a saved state that cannot be read is ignored (detectors start empty), never fatal.
 */
import type { Logger } from 'pino';
import { applySecurityEventRetention, storeCapCandidate, type SecurityEventLimits } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { SYSTEM_PRINCIPAL, newId, type Clock } from '../kernel/index.js';
import { auditStore, securityEventRetentionStore, SqlUnitOfWork, systemMetaStore, type SqlDatabase } from '../storage/index.js';
import type { DetectionEngine, SecurityAlertService } from '../alerts/index.js';

export const DETECTOR_STATE_KEY = 'security-detector-state';

interface SecurityEventsDeps {
  readonly database: SqlDatabase;
  readonly clock: Clock;
  readonly auditLog: AuditLog;
  readonly security: { readonly engine: DetectionEngine; readonly alerts: SecurityAlertService };
}

export async function restoreDetectorState(p: SecurityEventsDeps, logger: Logger): Promise<void> {
  try {
    const saved = await systemMetaStore(p.database.db).get(DETECTOR_STATE_KEY);
    if (saved !== undefined) p.security.engine.restore(JSON.parse(saved) as unknown);
  } catch (error) {
    logger.warn({ err: error }, 'security detector state not restored; detectors start empty');
  }
}

export async function saveDetectorState(p: SecurityEventsDeps): Promise<void> {
  await systemMetaStore(p.database.db).set(DETECTOR_STATE_KEY, JSON.stringify(p.security.engine.snapshot()), p.clock.now().toISOString());
}

/** One run of the security-event retention; raises the cap alert when rows were trimmed. */
export async function runSecurityEventRetention(p: SecurityEventsDeps, limits: SecurityEventLimits, logger: Logger): Promise<void> {
  const uow = new SqlUnitOfWork(p.database, (executor) => ({
    events: securityEventRetentionStore(executor),
    audit: p.auditLog.writer(auditStore(executor, p.database.dialect)),
  }));
  const ctx = { principal: SYSTEM_PRINCIPAL, requestId: `security-event-retention-${newId()}`, source: 'local' };
  const result = await applySecurityEventRetention(uow, p.clock, limits, ctx);
  if (result.expired > 0 || result.trimmed > 0) logger.info(result, 'security event retention');
  const alert = storeCapCandidate(result, limits, p.clock.now());
  if (alert) p.security.alerts.raise(alert);
}
