/**
 * Wiring of the incidents module (issue 15): the service over the SQL stores, the playbooks
 * shipped in packages/server/playbooks/, and the hook that lets security alerts open incidents.
 * attachContainment connects the owning modules (devices, identity, keys, updates, compliance)
 * through the adapters of composition/incident-ports.ts.
 */
import type { AlertCandidate, AlertChange, SecurityAlert, SecurityAlertNotifier } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { DeviceService } from '../devices/index.js';
import type { IdentityService } from '../identity/index.js';
import {
  builtInPlaybooks,
  ContainmentService,
  IncidentService,
  NotificationService,
  SourceBlockList,
  type ContainmentPorts,
} from '../incidents/index.js';
import type { ChangeService } from '../compliance/index.js';
import type { ReleaseService, RolloutService } from '../updates/index.js';
import { changeRequestAdapter, deviceGroupAdapter, remediationAdapter, rolloutPauseAdapter } from './incident-ports.js';
import { AppError, type Clock } from '../kernel/index.js';
import type { KeyProvider, Sealer } from '../keys/index.js';
import { auditStore, incidentLocator, incidentStore, incidentTimelineSource, notificationStore, SqlUnitOfWork, type SqlDatabase } from '../storage/index.js';

export interface IncidentsWiring {
  readonly service: IncidentService;
  /** The edges' block list (HTTP onRequest, MQTT connection). */
  readonly blocks: SourceBlockList;
  /** Set by attachContainment once devices and identity exist. */
  containment: ContainmentService | undefined;
  /** Notification clocks; set by attachContainment (they raise security alerts). */
  notifications: NotificationService | undefined;
  /** Chains the incident hook after another alert notifier. */
  withAlertHook(next: SecurityAlertNotifier): SecurityAlertNotifier;
  /** Waits for the alert hook's pending work (tests, shutdown). */
  flush(): Promise<void>;
}

export function wireIncidents(w: {
  database: SqlDatabase;
  auditLog: AuditLog;
  sealer: Sealer;
  clock: Clock;
  isActiveUser: (orgId: string, userId: string) => Promise<boolean>;
}): IncidentsWiring {
  const service = new IncidentService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ incidents: incidentStore(executor), audit: w.auditLog.writer(auditStore(executor, w.database.dialect)) })),
    read: incidentStore(w.database.db),
    timeline: incidentTimelineSource(w.database.db),
    playbooks: builtInPlaybooks(),
    sealer: w.sealer,
    clock: w.clock,
    isActiveUser: w.isActiveUser,
    locate: incidentLocator(w.database.db),
    onError: (error) => console.error(`vigil: incident hook: ${error instanceof Error ? error.message : String(error)}`),
  });
  const blocks = new SourceBlockList(w.clock);
  const pending = new Set<Promise<void>>();
  const hook = (alert: SecurityAlert, change: AlertChange): void => {
    if (change === 'updated') return;
    const work = service.onAlert(alert).finally(() => pending.delete(work));
    pending.add(work);
  };
  return {
    service,
    blocks,
    containment: undefined,
    notifications: undefined,
    withAlertHook: (next) => ({
      notify: (alert, change) => {
        next.notify(alert, change);
        hook(alert, change);
      },
    }),
    flush: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * Containment through the owning modules: devices (quarantine, revoke: the device notifier cuts
 * open connections; the devices of a group), identity (disable + end sessions, password reset,
 * step-up codes for bulk approvals), keys (rotation: host principals only, audited like
 * `vigil keys rotate`), updates (pause rollouts, remediation campaigns) and compliance (change
 * requests in the timeline). updates and compliance are optional (a test may run without them).
 */
export async function attachContainment(
  wiring: IncidentsWiring,
  w: {
    database: SqlDatabase;
    auditLog: AuditLog;
    clock: Clock;
    keys: KeyProvider;
    sealer: Sealer;
    devices: DeviceService;
    identity: IdentityService;
    raise: (candidate: AlertCandidate) => void;
    /** The delivery module's email channel (notices by email). */
    sendEmail: (orgId: string, to: string, subject: string, text: string) => Promise<void>;
    updates?: { readonly releases: ReleaseService; readonly rollouts: RolloutService } | undefined;
    changes?: ChangeService | undefined;
  },
): Promise<ContainmentService> {
  const ports: ContainmentPorts = {
    quarantineDevice: async (ctx, orgId, deviceId, reason) => void (await w.devices.quarantine(ctx, { deviceId, orgId }, reason)),
    revokeDevice: async (ctx, orgId, deviceId, reason) => void (await w.devices.revoke(ctx, { deviceId, orgId }, reason)),
    disableUser: async (ctx, orgId, userId) => void (await w.identity.setUserStatus(ctx, userId, 'disabled', orgId)),
    resetPassword: (ctx, orgId, userId) => w.identity.resetPassword(ctx, userId, orgId),
    rotateKey: async (ctx, purpose) => {
      // The key store is the installation's: only a host principal (the CLI) rotates it.
      if (ctx.principal.kind !== 'cli' && ctx.principal.kind !== 'system') throw new AppError('FORBIDDEN', { publicMessage: 'Keys are rotated from the host: vigil incident contain ID --rotate-keys.' });
      const previous = w.keys.active(purpose).id;
      const rotated = await new SqlUnitOfWork(w.database, (executor) => w.auditLog.writer(auditStore(executor, w.database.dialect))).run(async (audit) => {
        const info = await w.keys.rotate(purpose);
        await audit.record(ctx, { action: purpose === 'kek' ? 'keys.kek.rotate' : 'keys.audit_signing.rotate', target: { type: 'key', id: info.id }, outcome: 'success', details: { previousKeyId: previous } });
        return info;
      });
      return { keyId: rotated.id };
    },
    remediation: remediationAdapter({ devices: w.devices, releases: () => w.updates?.releases, rollouts: () => w.updates?.rollouts }),
    rollouts: rolloutPauseAdapter(() => w.updates?.rollouts),
    groups: deviceGroupAdapter(w.devices),
  };
  wiring.service.attachChangeRequests(changeRequestAdapter(() => w.changes));
  const containment = new ContainmentService({
    incidents: wiring.service,
    uow: new SqlUnitOfWork(w.database, (executor) => ({ incidents: incidentStore(executor), audit: w.auditLog.writer(auditStore(executor, w.database.dialect)) })),
    read: incidentStore(w.database.db),
    ports,
    blocks: wiring.blocks,
    clock: w.clock,
    sealer: w.sealer,
    stepUp: (ctx, code) => w.identity.verifyStepUp(ctx, code),
  });
  await containment.reloadBlocks();
  wiring.containment = containment;
  // Notices by email go through the organization's email alert channel (delivery module).
  wiring.notifications = new NotificationService({
    incidents: wiring.service,
    incidentStore: incidentStore(w.database.db),
    uow: new SqlUnitOfWork(w.database, (executor) => ({ notifications: notificationStore(executor), audit: w.auditLog.writer(auditStore(executor, w.database.dialect)) })),
    read: notificationStore(w.database.db),
    sealer: w.sealer,
    clock: w.clock,
    mailer: { send: w.sendEmail },
    raise: w.raise,
  });
  return containment;
}
