/**
 * Wiring of the disclosures module (accounting of disclosures, HIPAA §164.528): the service over
 * the SQL stores, with the patients module's stores for the patient, its care team and training.
 */
import type { AuditLog } from '../audit/index.js';
import { DisclosureService, type DisclosureScope } from '../disclosures/index.js';
import type { Clock } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import { auditStore, careTeamStore, disclosureStore, patientStore, SqlUnitOfWork, trainingStore, type Executor, type SqlDatabase } from '../storage/index.js';

export function wireDisclosures(w: { database: SqlDatabase; auditLog: AuditLog; sealer: Sealer; clock: Clock }): DisclosureService {
  const scope = (executor: Executor): DisclosureScope => ({
    disclosures: disclosureStore(executor),
    patients: patientStore(executor),
    careTeams: careTeamStore(executor),
    training: trainingStore(executor),
    audit: w.auditLog.writer(auditStore(executor, w.database.dialect)),
  });
  return new DisclosureService({ uow: new SqlUnitOfWork(w.database, scope), sealer: w.sealer, clock: w.clock });
}
