/**
 * FHIR R4 (issue 5): the read side and its routes.
 */
import type { AuditWriter } from '../audit/index.js';
import { ReadingObservationSource, type FhirReadScope } from '../fhir/index.js';
import {
  auditStore,
  breakGlassStore,
  careTeamStore,
  patientStore,
  trainingStore,
  deviceStore,
  BatchingUnitOfWork,
  vitalsStore,
  type Executor,
  fhirReadingStore,
} from '../storage/index.js';
import { VitalsService } from '../telemetry/index.js';
import { fhirRoutes } from '../transports/http/fhir/index.js';
import type { HttpRoutes } from '../transports/http/index.js';
import { identityUserDirectory, wirePatients } from './patients.js';
import type { Platform } from './platform.js';
import { defaultPublicBaseUrl } from './public-base-url.js';

// --- fhir (issue 5) ---
/**
 * One transaction of the FHIR read side. `audit` defaults to the platform's audit log; only the
 * API bench passes another writer (a no-op, to measure what the audit costs).
 */
/**
 * A vitals service whose PHI reads are audited through `audit`. Only the API bench calls it, to
 * measure the same route with the audit write replaced by a no-op; the server never does.
 */
export function vitalsServiceWithAudit(platform: Platform, audit: (executor: Executor) => AuditWriter): VitalsService {
  const { database, keys, sealer, auditLog, clock, config, securityEvents } = platform;
  const patients = wirePatients({ database, keys, sealer, auditLog, clock, config, securityEvents, users: identityUserDirectory(database), audit });
  return new VitalsService({ patients: patients.records, store: vitalsStore(database.db, database.dialect, platform.vitalsAtRest.sealing), clock });
}

export function fhirReadScope(platform: Platform, audit?: (executor: Executor) => AuditWriter): (executor: Executor) => FhirReadScope {
  const { database, auditLog } = platform;
  return (executor) => ({
    readings: fhirReadingStore(executor, platform.vitalsAtRest.sealing),
    patients: patientStore(executor),
    careTeams: careTeamStore(executor),
    training: trainingStore(executor),
    breakGlass: breakGlassStore(executor),
    devices: deviceStore(executor),
    audit: audit ? audit(executor) : auditLog.writer(auditStore(executor, database.dialect)),
  });
}

/** The FHIR R4 routes; observations come from the readings that carry a patient id. */
export function fhirHttp(platform: Platform, scope = fhirReadScope(platform), publicBaseUrl: () => string = () => defaultPublicBaseUrl(platform.config, platform.config.httpPort)): HttpRoutes {
  const source = new ReadingObservationSource({ uow: new BatchingUnitOfWork(platform.database, scope), clock: platform.clock });
  return fhirRoutes({ patients: platform.patients.records, devices: platform.devices.service, observations: source, patientDevices: source, clock: platform.clock, softwareVersion: '0.1.0', publicBaseUrl });
}
