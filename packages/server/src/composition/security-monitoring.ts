/**
 * Security monitoring (issue 6): the detection engine on the event stream, and security alerts.
 */
import { AggregatingSecurityEventSink, buildDetectors, DetectionEngine, detectorsFollowingLimits, SecurityAlertService, type SecurityAlertNotifier } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Clock, SecurityEventSink } from '../kernel/index.js';
import { auditStore, SqlUnitOfWork, type SqlDatabase, securityAlertStore } from '../storage/index.js';
import { securityEventNotStored, type PlatformFaults } from './storage-faults.js';

// --- security monitoring (issue 6): the detection engine on the event stream, and alerts ---
export interface SecurityWiring {
  readonly engine: DetectionEngine;
  readonly alerts: SecurityAlertService;
  readonly aggregated: AggregatingSecurityEventSink;
}

export function wireSecurity(w: { database: SqlDatabase; auditLog: AuditLog; clock: Clock; config: Config; storedEvents: SecurityEventSink; notifier: SecurityAlertNotifier; faults: PlatformFaults; isActiveUser: (orgId: string, userId: string) => Promise<boolean> }): SecurityWiring {
  const alerts = new SecurityAlertService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ alerts: securityAlertStore(executor), audit: w.auditLog.writer(auditStore(executor, w.database.dialect)) })),
    read: securityAlertStore(w.database.db),
    clock: w.clock,
    notifier: w.notifier,
    isActiveUser: w.isActiveUser,
    onError: securityEventNotStored(w.faults, 'security alert not written'),
  });
  // issue 11 item 5: repeated info events are stored as counted rows; thresholds follow the broker's limits.
  const aggregated = new AggregatingSecurityEventSink(w.storedEvents, { windowMs: w.config.security.events.aggregateWindowSeconds * 1000 });
  const detectors = buildDetectors(detectorsFollowingLimits(w.config.security.detectors, w.config.mqtt));
  const engine = new DetectionEngine({ clock: w.clock, detectors, store: aggregated, raise: (c) => alerts.raise(c) });
  return { engine, alerts, aggregated };
}
