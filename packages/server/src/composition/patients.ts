/**
 * Patients: PHI records, care teams, training, break-glass.
 */
import { securityAuditTap } from '../alerts/index.js';
import type { AuditLog, AuditWriter } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Clock, RequestContext, SecurityEventSink } from '../kernel/index.js';
import type { KeyProvider, Sealer } from '../keys/index.js';
import {
  BreakGlassService,
  BREAK_GLASS_REASON_DOMAIN,
  MRN_INDEX_DOMAIN,
  PatientLabels,
  PatientService,
  PhiSealing,
  rewrapSealedPhi,
  TrainingService,
  type PatientScope,
  type RewrapReport,
  type UserDirectory,
} from '../patients/index.js';
import {
  auditStore,
  breakGlassStore,
  careTeamStore,
  patientStore,
  securityEventStore,
  trainingStore,
  identityStore,
  BatchingUnitOfWork,
  type Executor,
  type SqlDatabase,
} from '../storage/index.js';

// --- patients (PHI records, care teams, training, break-glass) ---

export interface PatientsWiring {
  readonly records: PatientService;
  /** Names and MRNs for other modules' lists (PHI rule, audited), and care-team management. */
  readonly labels: PatientLabels;
  readonly breakGlass: BreakGlassService;
  readonly training: TrainingService;
  /** The sealing of patient fields (blind indexes, grant reason hashes): tests read it. */
  readonly sealing: PhiSealing;
  /** After a KEK rotation: re-wraps every sealed patient field and grant text (audited per batch). */
  rewrap(ctx: RequestContext): Promise<RewrapReport>;
}

/** Care-team members and training subjects must be active users of the organization (identity's store). */
export function identityUserDirectory(database: SqlDatabase): UserDirectory {
  return {
    isActiveUser: async (orgId, userId) => (await identityStore(database.db).findUser(orgId, userId))?.status === 'active',
    displayNames: async (orgId, userIds) => {
      const wanted = new Set(userIds);
      return new Map((await identityStore(database.db).listUsers(orgId)).filter((u) => wanted.has(u.id)).map((u) => [u.id, u.displayName]));
    },
  };
}

export function wirePatients(w: {
  database: SqlDatabase;
  keys: KeyProvider;
  sealer: Sealer;
  auditLog: AuditLog;
  clock: Clock;
  config: Config;
  securityEvents: SecurityEventSink;
  users: UserDirectory;
  /** Bench only (`vitalsServiceWithAudit`): another audit writer. Production never passes one. */
  audit?: (executor: Executor) => AuditWriter;
}): PatientsWiring {
  const scope = (executor: Executor): PatientScope => ({
    patients: patientStore(executor),
    careTeams: careTeamStore(executor),
    training: trainingStore(executor),
    breakGlass: breakGlassStore(executor),
    securityEvents: securityEventStore(executor),
    audit: w.audit ? w.audit(executor) : securityAuditTap(w.auditLog.writer(auditStore(executor, w.database.dialect)), w.securityEvents),
  });
  // Batched: concurrent PHI reads (each audited) share one commit; see storage/batching-unit-of-work.ts.
  const uow = new BatchingUnitOfWork(w.database, scope);
  const sealing = new PhiSealing(w.sealer, w.keys.keyedHasher(MRN_INDEX_DOMAIN), w.keys.keyedHasher(BREAK_GLASS_REASON_DOMAIN));
  return {
    records: new PatientService({ uow, sealing, clock: w.clock, users: w.users }),
    labels: new PatientLabels({ uow, sealing, clock: w.clock, users: w.users }),
    breakGlass: new BreakGlassService({ uow, sealing, clock: w.clock, securityEvents: w.securityEvents, grantMinutes: w.config.patients.breakGlassMinutes }),
    training: new TrainingService({ uow, clock: w.clock, users: w.users }),
    sealing,
    rewrap: (ctx) => rewrapSealedPhi(uow, sealing, ctx),
  };
}
