/**
 * Wiring of the incidents module (issue 15): the service over the SQL stores, the playbooks
 * shipped in packages/server/playbooks/, and the hook that lets security alerts open incidents.
 * The ports of modules still under way (updates, compliance) are the "not available" ones until
 * they land: replace NO_REMEDIATION / NO_ROLLOUT_PAUSE / NO_CHANGE_REQUESTS here at merge.
 */
import type { AlertChange, SecurityAlert, SecurityAlertNotifier } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { builtInPlaybooks, IncidentService, NO_CHANGE_REQUESTS, NO_REMEDIATION, NO_ROLLOUT_PAUSE, type ChangeRequestSource, type RemediationPort, type RolloutPausePort } from '../incidents/index.js';
import type { Clock } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import { auditStore, incidentLocator, incidentStore, incidentTimelineSource, SqlUnitOfWork, type SqlDatabase } from '../storage/index.js';

export interface IncidentsWiring {
  readonly service: IncidentService;
  readonly remediation: RemediationPort;
  readonly rollouts: RolloutPausePort;
  readonly changeRequests: ChangeRequestSource;
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
  const pending = new Set<Promise<void>>();
  const hook = (alert: SecurityAlert, change: AlertChange): void => {
    if (change === 'updated') return;
    const work = service.onAlert(alert).finally(() => pending.delete(work));
    pending.add(work);
  };
  return {
    service,
    remediation: NO_REMEDIATION,
    rollouts: NO_ROLLOUT_PAUSE,
    changeRequests: NO_CHANGE_REQUESTS,
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
