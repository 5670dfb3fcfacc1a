/**
 * Device events (alarms, faults, notices): the service, the security alert a severe event raises,
 * and the retention job.
 */
import type { SecurityAlertService } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { applyDeviceEventRetention, DeviceEventService, type StoredDeviceEvent } from '../devices/index.js';
import type { Clock, RequestContext } from '../kernel/index.js';
import { auditStore, deviceEventStore, SqlUnitOfWork, type SqlDatabase } from '../storage/index.js';

/** The security alert a high or critical device event raises: one per device and code, counted while it repeats. */
export function deviceEventAlert(event: StoredDeviceEvent) {
  return {
    detector: 'device-alarm',
    severity: event.severity === 'critical' ? ('critical' as const) : ('high' as const),
    title: `Device ${event.kind}: ${event.code}`,
    summary: `The device reported a ${event.severity} ${event.kind} (${event.code}) at ${event.ts}.`,
    orgId: event.orgId,
    subject: { kind: 'device' as const, id: event.deviceId },
    count: 1,
    at: event.receivedAt,
    windowSeconds: 3600,
    eventIds: [],
    auditSeqs: [],
  };
}

export function wireDeviceEvents(w: { database: SqlDatabase; clock: Clock; alerts: () => Pick<SecurityAlertService, 'raise'> }): DeviceEventService {
  return new DeviceEventService({
    store: deviceEventStore(w.database.db),
    clock: w.clock,
    onSevere: (event) => w.alerts().raise(deviceEventAlert(event)),
  });
}

/** The daily retention job: events older than `devices.eventRetentionDays` are deleted, audited. */
export function runDeviceEventRetention(p: { database: SqlDatabase; auditLog: AuditLog; clock: Clock }, retentionDays: number, ctx: RequestContext) {
  const uow = new SqlUnitOfWork(p.database, (executor) => ({
    events: deviceEventStore(executor),
    audit: p.auditLog.writer(auditStore(executor, p.database.dialect)),
  }));
  return applyDeviceEventRetention(uow, p.clock, retentionDays, ctx);
}
