/**
 * Clinical data (issue 5): bindings, the attribution cache, vitals, clinical alerts.
 */
import { ClinicalAlertService, InProcessClinicalEventBus, type ClinicalAlertScope, type ClinicalEventBus } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { BindingCache, BindingService, type BindingScope } from '../devices/index.js';
import type { Clock } from '../kernel/index.js';
import type { PatientService } from '../patients/index.js';
import { auditStore, deviceStore, SqlUnitOfWork, alertRuleStore, bindingStore, clinicalAlertStore, vitalsStore, type SqlDatabase } from '../storage/index.js';
import { VitalsService } from '../telemetry/index.js';
import type { VitalsAtRest } from './vitals-at-rest.js';

// --- clinical data (issue 5): bindings, attribution cache, vitals ---
export interface ClinicalWiring {
  readonly bindings: BindingService;
  /** Bindings per device for the group commit; invalidated by every bind/unbind of this process. */
  readonly bindingCache: BindingCache;
  readonly vitals: VitalsService;
  /** Clinical alert rules and alerts; evaluates committed readings (onCommitted). */
  readonly alerts: ClinicalAlertService;
  /** Live vitals and alerts for the SSE streams (in process; a bus can replace it). */
  readonly bus: ClinicalEventBus;
}

export function wireClinical(w: { database: SqlDatabase; auditLog: AuditLog; clock: Clock; patients: PatientService; vitalsAtRest: VitalsAtRest }): ClinicalWiring {
  const bindingCache = new BindingCache((deviceIds) => bindingStore(w.database.db).forDevices(deviceIds), w.clock);
  const bindings = new BindingService({
    uow: new SqlUnitOfWork(w.database, (executor): BindingScope => ({
      bindings: bindingStore(executor),
      devices: deviceStore(executor),
      audit: w.auditLog.writer(auditStore(executor, w.database.dialect)),
    })),
    patients: { exists: (orgId, patientId) => w.patients.exists(orgId, patientId) },
    clock: w.clock,
    onChange: (deviceId) => bindingCache.invalidate(deviceId),
  });
  const vitals = new VitalsService({ patients: w.patients, store: vitalsStore(w.database.db, w.database.dialect, w.vitalsAtRest.sealing), clock: w.clock });
  const bus = new InProcessClinicalEventBus();
  const alerts = new ClinicalAlertService({
    uow: new SqlUnitOfWork(w.database, (executor): ClinicalAlertScope => ({
      rules: alertRuleStore(executor),
      alerts: clinicalAlertStore(executor, w.vitalsAtRest.alertSealer),
      audit: w.auditLog.writer(auditStore(executor, w.database.dialect)),
    })),
    patients: w.patients,
    clock: w.clock,
    bus,
    rulesReader: alertRuleStore(w.database.db),
    onError: (error) => console.error(`vigil: clinical alert evaluation failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  return { bindings, bindingCache, vitals, alerts, bus };
}
