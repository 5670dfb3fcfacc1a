/**
 * The composition root: the only file that builds adapters and wires modules together.
 *
 * MUST: the key store is opened (and the master key checked) before anything else is opened
 *       for writing, so a wrong master key leaves the data directory untouched.
 * MUST: every service gets its ports from here; there are no module-level singletons.
 */
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClinicalAlertService, InProcessClinicalEventBus, type ClinicalAlertScope, type ClinicalEventBus } from './alerts/index.js';
import { AuditLog, type AuditReader, type AuditStore } from './audit/index.js';
import { signUnsignedTail, syslogCheckpointForwarder, wireAuditLogService, witnessCheckpoints } from './composition/audit-trail.js';
import { checkDataDirMode, createDataDir, dataDirExists, lockDataDir, resolveDataDir, type Config, type DataDirLock } from './config/index.js';
import { DeviceCertificateIssuer, ensureDeviceCa, initRootCa, openRootCa, resolveHttpsCredentials } from './identity/ca/index.js';
import {
  BindingCache,
  BindingService,
  type BindingScope,
  DeviceAccessNotifier,
  DeviceActivityBuffer,
  DeviceAuthenticator,
  DeviceService,
  DeviceStatusWatcher,
  type AccessWithdrawnListener,
  type AuthenticateDevice,
  type DeviceActivity as DeviceActivityBufferPort,
  type DeviceScope,
} from './devices/index.js';
import { CommonPasswords, IdentityService, PasswordHasher, SetupCredentialService, type IdentityScope, type RelyingParty, type SetupScope } from './identity/index.js';
import { createEnvelopeSealer, ecdsaP256Verifier, initKeyStore, keyStoreExists, openKeyStore, type KeyProvider, type Sealer } from './keys/index.js';
import { AppError, cliPrincipal, newId, principalOrg, systemClock, SYSTEM_PRINCIPAL, type Clock, type RequestContext, type SecurityEventSink } from './kernel/index.js';
import { decide } from './access/index.js';
import { Scheduler } from './jobs/index.js';
import type { Logger } from './observability/index.js';
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
} from './patients/index.js';
import {
  auditStore,
  breakGlassStore,
  careTeamStore,
  patientStore,
  securityEventStore,
  StoreSecurityEventSink,
  trainingStore,
  deviceCertificateStore,
  deviceStore,
  enrollmentTokenStore,
  identityStore,
  openDatabase,
  setupCredentialStore,
  SqlUnitOfWork,
  BatchingUnitOfWork,
  systemMetaStore,
  alertRuleStore,
  bindingStore,
  clinicalAlertStore,
  vitalsStore,
  type Executor,
  type SqlDatabase,
} from './storage/index.js';
import {
  closeHttpServer,
  createHttpServer,
  deviceCertificate,
  deviceRoutes,
  deviceTelemetryRoutes,
  clinicalAlertRoutes,
  patientRoutes,
  vitalsRoutes,
  type ClientCertificateLookup,
  type HttpRoutes,
  keyRoutes,
} from './transports/http/index.js';
import { accessRoutes, authRoutes, createIdentityAuthorizer, userRoutes } from './transports/http/identity.js';
// --- fhir (issue 5) ---
import { ReadingObservationSource, type FhirReadScope } from './fhir/index.js';
import type { AuditWriter } from './audit/index.js';
import { fhirReadingStore } from './storage/index.js';
import { fhirRoutes } from './transports/http/fhir/index.js';
// --- alert delivery, usage tracking, metrics (issue 6) ---
import { DeliveryService } from './alerts/index.js';
import { deliveryTargetPolicy } from './composition/delivery.js';
import { defaultPublicBaseUrl } from './composition/public-base-url.js';
import { reportUncleanShutdown } from './composition/unclean-shutdown.js';
import { DashboardService, PlatformMetrics, RequestCounter, UsageService } from './compliance/index.js';
import { restoreDetectorState, runSecurityEventRetention, saveDetectorState } from './composition/security-events.js';
import { platformFaults, securityEventNotStored, storageMetricSources, storageReadiness, type PlatformFaults } from './composition/storage-faults.js';
import { secretDigestMatcher } from './keys/index.js';
import { classifyStorageFault, dashboardStore, deliveryStore, usageStore } from './storage/index.js';
import { dashboardRoutes, deliveryRoutes, disclosureRoutes, metricsRoutes, usageRoutes, type ResponseSample } from './transports/http/index.js';
// --- security monitoring (issue 6) ---
import { AggregatingSecurityEventSink, buildDetectors, DetectionEngine, detectorsFollowingLimits, SecurityAlertService, securityAuditTap, type SecurityAlertNotifier } from './alerts/index.js';
import { securityAlertStore } from './storage/index.js';
import { auditRoutes, securityRoutes } from './transports/http/index.js';
import { attachContainment, wireIncidents, type IncidentsWiring } from './composition/incidents.js';
import { wireDisclosures } from './composition/disclosures.js';
import type { DisclosureService } from './disclosures/index.js';
import { DeviceEventService } from './devices/index.js';
import { deviceEventStore } from './storage/index.js';
import { deviceEventRoutes } from './transports/http/device-event-routes.js';
import { incidentRoutes } from './transports/http/incident-routes.js';
import { incidentNoticeRoutes } from './transports/http/incident-notice-routes.js';
// --- telemetry and MQTT (issue 4) ---
import { applyTelemetryRetention, CommandService, GroupCommitter, IngestPipeline, VitalsService, type DeviceActivity, type DeviceDirectory, type ReadingRow, type VitalsSealing } from './telemetry/index.js';
import { openVitalsAtRest, type VitalsAtRest } from './composition/vitals-at-rest.js';
import { rotateKek, type KekRotationReport } from './composition/key-rotation.js';
import { logDatabaseTransport } from './composition/database-transport.js';
import { deviceCommandStore, telemetryRetentionStore, telemetryStore } from './storage/index.js';
// --- backups (issue 12) ---
import { startBackupJobs } from './composition/backup.js';
import { backupConsole } from './composition/backup-console.js';
import { backupRoutes, readOnlyRoutes } from './transports/http/index.js';
// --- firmware updates (issue 13) ---
import { imageRemoteFor, TUF_SYSTEM_CONTEXT, wireUpdates, type UpdatesWiring } from './composition/updates.js';
import { attestationRoutes, firmwareRoutes, rolloutRoutes, tufRoutes } from './transports/http/index.js';
import { refuseAllDevices, startDeviceBroker, type DeviceAuthenticator as BrokerDeviceAuthenticator, type DeviceBroker } from './transports/mqtt/index.js';
// --- compliance: audits, findings, change control (issue 14) ---
import { startComplianceSchedule, wireCompliance, type ComplianceWiring } from './composition/compliance.js';
import { complianceRoutes } from './transports/http/compliance-routes.js';

export interface PlatformOptions {
  readonly config: Config;
  /** The environment, for VIGIL_MASTER_KEY. */
  readonly env: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  /** An extra sink that also receives every security event (tests, detectors); events are always stored. */
  readonly securityEvents?: SecurityEventSink;
  /** Where security alerts go (webhook, email, syslog); default: nowhere. */
  readonly securityNotifier?: SecurityAlertNotifier;
  /** Vitals sealed at rest (ADR 0008); default true. Only the benches pass false, to compare. */
  readonly sealVitals?: boolean;
}

/**
 * The devices module as the transports see it. The MQTT broker connects:
 *   authenticateDevice(peerCert, {source, transport}) at CONNECT,
 *   onRevoked(listener) to cut the open connections of a device whose access was withdrawn,
 *   activity.markSeen(deviceId, at, sourceAddress) per accepted message (batched writes).
 */
export interface DevicesModule {
  readonly service: DeviceService;
  readonly authenticateDevice: AuthenticateDevice;
  onRevoked(listener: AccessWithdrawnListener): () => void;
  readonly activity: DeviceActivityBufferPort;
  /** Registry lookups by organization and id (commands check the target exists). */
  readonly directory: DeviceDirectory;
  /** [device CA, root] PEM: the `ca` a device-facing TLS listener verifies client certificates with. */
  readonly clientCaPems: readonly string[];
  /** Writes buffered last-seen times (a scheduled job, and at close). */
  flushActivity(): Promise<number>;
  /** Applies status changes made by other processes (the CLI): caches, notifier, CRL. */
  pollStatusChanges(): Promise<number>;
}

export interface Platform {
  readonly config: Config;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly database: SqlDatabase;
  readonly keys: KeyProvider;
  readonly sealer: Sealer;
  /** Vitals at rest (ADR 0008): the sealer of readings and rollups, and of clinical alert values. */
  readonly vitalsAtRest: VitalsAtRest;
  /** KEK rotation that re-wraps everything sealed, safe while the server runs (composition/key-rotation.ts); only as the application of an approved key-rotation change (COMPLIANCE_CHANGE_REQUIRED otherwise). */
  rotateKek(ctx: RequestContext): Promise<KekRotationReport>;
  readonly auditLog: AuditLog;
  readonly setup: SetupCredentialService;
  /** Storage-fault and unstored-security-event logs (issue 17). */
  readonly faults: PlatformFaults;
  /** Durable security-event stream (security_events), fed by every module's SecurityEventSink. */
  readonly securityEvents: SecurityEventSink;
  readonly patients: PatientsWiring;
  readonly devices: DevicesModule;
  /** Organizations, users, passwords, sessions, MFA, service accounts. */
  readonly identity: IdentityService;
  /** Clinical data: device-to-patient bindings (with the ingest attribution cache) and the vitals API. */
  readonly clinical: ClinicalWiring;
  /** Security alert channels and dead letters; `delivery.notifier` is the SecurityAlertNotifier. */
  readonly delivery: DeliveryService;
  /** Usage reports and the accounting of disclosures. */
  readonly usage: UsageService;
  /** Checks a bearer token against VIGIL_METRICS_TOKEN (SHA-256, constant time); undefined when unset. */
  readonly metricsTokenMatches: ((presented: string) => boolean) | undefined;
  /** Security monitoring: detectors on the event stream, and security alerts. */
  readonly security: SecurityWiring;
  /** Security audits, findings, change control, risk register (issue 14). */
  readonly compliance: ComplianceWiring;
  /** Firmware releases (image, metadata, SBOM) and the TUF repository. */
  readonly updates: UpdatesWiring;
  /** Incident response (issue 15). */
  readonly incidents: IncidentsWiring;
  /** The accounting of disclosures to outside parties (HIPAA §164.528). */
  readonly disclosures: DisclosureService;
  /** Device events (alarms, faults) from the MQTT events topic. */
  readonly deviceEvents: DeviceEventService;
  /** Read side of the audit log (verify, export). */
  auditReader(): AuditReader;
  /** Appends to the audit log in its own transaction, for actions with no other state change. */
  withAuditStore<T>(fn: (store: AuditStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function masterKeyFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const value = env['VIGIL_MASTER_KEY'];
  return value === undefined || value === '' ? undefined : value;
}

/** True once `vigil init` (or a first start) has created the key store. */
export async function isInitialized(config: Config): Promise<boolean> {
  const dataDir = resolveDataDir(config.dataDir);
  return dataDirExists(dataDir) && (await keyStoreExists(dataDir));
}

/**
 * First start: creates the data directory (0700), the key store (and master key file unless
 * VIGIL_MASTER_KEY is set), the database with its migrations, and the CA.
 */
export async function initialize(options: PlatformOptions): Promise<{ dataDir: string }> {
  const dataDir = resolveDataDir(options.config.dataDir);
  createDataDir(dataDir);
  const clock = options.clock ?? systemClock;
  const keys = await initKeyStore({ dataDir, masterKey: masterKeyFromEnv(options.env), clock });
  const root = await initRootCa({ dataDir, keys, clock });
  await ensureDeviceCa({ dataDir, keys, root, clock });
  const database = await openDatabase({ dataDir, databaseUrl: options.config.databaseUrl });
  await database.close();
  return { dataDir };
}

/** Opens an initialized data directory: keys first, then the database (migrating it). */
export async function openPlatform(options: PlatformOptions): Promise<Platform> {
  const { config } = options;
  const dataDir = resolveDataDir(config.dataDir);
  const clock = options.clock ?? systemClock;
  if (dataDirExists(dataDir)) checkDataDirMode(dataDir);
  const keys = await openKeyStore({ dataDir, masterKey: masterKeyFromEnv(options.env), clock });
  const database = await openDatabase({ dataDir, databaseUrl: config.databaseUrl });
  const sealer = createEnvelopeSealer(keys);
  const vitalsAtRest = await openVitalsAtRest({ database, keys, sealer, clock, enabled: options.sealVitals ?? true });
  const auditLog = new AuditLog({
    signer: () => keys.signer('audit-signing'),
    clock,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalSeconds: config.audit.checkpointIntervalSeconds,
  });
  const scoped = (executor: Executor) => auditStore(executor, database.dialect);
  // Sign the tail a crash (or a CLI verb) left before anything new is written: see audit/coverage.ts.
  await signUnsignedTail(database, auditLog, scoped);
  const setupScope = (executor: Executor): SetupScope => ({
    credentials: setupCredentialStore(executor),
    meta: systemMetaStore(executor),
    audit: auditLog.writer(scoped(executor)),
  });
  const setup = new SetupCredentialService(new SqlUnitOfWork(database, setupScope), clock, config.setup.credentialTtlMinutes);
  // --- storage faults (issue 17): fault logs; security events not stored are counted, logged per kind ---
  const faults = platformFaults(database);
  const storedEvents = new StoreSecurityEventSink(() => securityEventStore(database.db), clock, securityEventNotStored(faults));
  // Security alerts go out through the delivery channels (webhook, email, syslog); a test may add its own notifier.
  const { delivery, usage, metricsTokenMatches } = wireDeliveryUsage({ database, auditLog, sealer, clock, env: options.env, config });
  const extraNotifier = options.securityNotifier;
  const incidents = wireIncidents({ database, auditLog, sealer, clock, isActiveUser: identityUserDirectory(database).isActiveUser });
  const notifier: SecurityAlertNotifier = incidents.withAlertHook(
    extraNotifier
      ? {
          notify: (alert, change) => {
            delivery.notifier.notify(alert, change);
            extraNotifier.notify(alert, change);
          },
        }
      : delivery.notifier,
  );
  const security = wireSecurity({ database, auditLog, clock, config, storedEvents, notifier, faults });
  const extraSink = options.securityEvents;
  const securityEvents: SecurityEventSink = extraSink
    ? {
        emit: (event) => {
          security.engine.emit(event);
          extraSink.emit(event);
        },
      }
    : security.engine;
  const patients = wirePatients({ database, keys, sealer, auditLog, clock, config, securityEvents, users: identityUserDirectory(database) });
  const deviceScope = (executor: Executor): DeviceScope => ({
    devices: deviceStore(executor),
    tokens: enrollmentTokenStore(executor),
    certificates: deviceCertificateStore(executor),
    audit: auditLog.writer(scoped(executor)),
  });
  const devices = await openDevices({ dataDir, keys, clock, config, database, securityEvents, deviceScope });
  const identity = openIdentity(config, database, clock, sealer, setup, setupScope, securityEvents);
  const clinical = wireClinical({ database, auditLog, clock, patients: patients.records, vitalsAtRest });
  // The KEK rotates only as the application of an approved key-rotation change (issue 14 change control).
  const rotateKekGated = async (ctx: RequestContext): Promise<KekRotationReport> => {
    await compliance.changes.requireApproved(ctx, 'key-rotation', 'kek');
    return rotateKek(
      {
        database,
        keys,
        sealer,
        clock,
        audit: async (c, events) => void (await new SqlUnitOfWork(database, scoped).run((store) => auditLog.append(store, c, events))),
        rewrapPhi: (c) => patients.rewrap(c),
      },
      ctx,
    );
  };
  const compliance = wireCompliance({ database, auditLog, clock, config, keys, dataDir, identity, devices: devices.service, raiseAlert: (c) => security.alerts.raise(c), rotateKek: rotateKekGated, engine: security.engine });
  const updates = wireUpdates({ dataDir, database, auditLog, clock, keys, devices: devices.service, securityEvents, securityAlerts: security.alerts, stepUp: (ctx, code) => identity.verifyStepUp(ctx, code), imageRemote: imageRemoteFor(config), changeControl: compliance });
  await attachContainment(incidents, { database, auditLog, clock, keys, sealer, devices: devices.service, identity, raise: (c) => security.alerts.raise(c), sendEmail: (o, to, subject, text) => delivery.sendEmail(o, to, subject, text), updates, changes: compliance.changes });
  const disclosures = wireDisclosures({ database, auditLog, sealer, clock });
  const deviceEvents = new DeviceEventService({ store: deviceEventStore(database.db), clock });
  let closing: Promise<void> | undefined;
  return {
    config,
    dataDir,
    clock,
    database,
    keys,
    sealer,
    vitalsAtRest,
    auditLog,
    setup,
    securityEvents,
    patients,
    devices,
    identity,
    clinical,
    delivery,
    usage,
    metricsTokenMatches,
    security,
    faults,
    compliance,
    updates,
    incidents,
    disclosures,
    deviceEvents,
    auditReader: () => auditStore(database.db, database.dialect, database.sqliteHandle),
    withAuditStore: (fn) => new SqlUnitOfWork(database, scoped).run(fn),
    rotateKek: rotateKekGated,
    // Idempotent: a platform closed twice (a test's finally after the server's stop) closes once.
    close: () => (closing ??= (async () => {
      await security.alerts.flush();
      await incidents.flush();
      await delivery.close();
      security.aggregated.close();
      await storedEvents.flush();
      await signUnsignedTail(database, auditLog, scoped);
      await witnessCheckpoints(config, dataDir, () => auditStore(database.db, database.dialect), syslogCheckpointForwarder(config)).catch((error: unknown) =>
        process.stderr.write(`vigil: audit witness not written: ${error instanceof Error ? error.message : String(error)}\n`),
      );
      faults.close();
      await database.close();
    })()),
  };
}

// --- alert delivery, usage tracking, metrics (issue 6) ---
const MIN_METRICS_TOKEN_LENGTH = 24;

function wireDeliveryUsage(w: { database: SqlDatabase; auditLog: AuditLog; sealer: Sealer; clock: Clock; env: NodeJS.ProcessEnv; config: Config }) {
  const audit = (executor: Executor) => w.auditLog.writer(auditStore(executor, w.database.dialect));
  const delivery = new DeliveryService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ delivery: deliveryStore(executor), audit: audit(executor) })),
    reader: deliveryStore(w.database.db),
    sealer: w.sealer,
    clock: w.clock,
    targets: deliveryTargetPolicy(w.config),
    warn: (message, fields) => console.warn(`vigil: ${message} ${JSON.stringify(fields)}`),
  });
  const usage = new UsageService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ usage: usageStore(executor), audit: audit(executor) })),
    reader: usageStore(w.database.db),
    clock: w.clock,
  });
  const token = w.env['VIGIL_METRICS_TOKEN'];
  if (token !== undefined && token !== '' && token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new AppError('CONFIG_INVALID', { detail: `VIGIL_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters.` });
  }
  const metricsTokenMatches = token === undefined || token === '' ? undefined : secretDigestMatcher(token);
  return { delivery, usage, metricsTokenMatches };
}

/** Request counters and metrics, fed by the HTTPS transport's onResponse hook. */
export function usageObserver(counter: RequestCounter, metrics: PlatformMetrics): (sample: ResponseSample) => void {
  return (sample) => {
    const p = sample.principal;
    const userId = p !== null && (p.kind === 'user' || p.kind === 'service') ? p.id : null;
    counter.record({ method: sample.method, route: sample.route, statusCode: sample.statusCode, orgId: p === null ? null : principalOrg(p), userId });
    metrics.observeRequest(sample);
  };
}

// --- patients (PHI records, care teams, training, break-glass) ---

export interface PatientsWiring {
  readonly records: PatientService;
  /** Names and MRNs for other modules' lists (PHI rule, audited), and care-team management. */
  readonly labels: PatientLabels;
  readonly breakGlass: BreakGlassService;
  readonly training: TrainingService;
  /** After a KEK rotation: re-wraps every sealed patient field and grant text (audited per batch). */
  rewrap(ctx: RequestContext): Promise<RewrapReport>;
}

/** Care-team members and training subjects must be active users of the organization (identity's store). */
function identityUserDirectory(database: SqlDatabase): UserDirectory {
  return {
    isActiveUser: async (orgId, userId) => (await identityStore(database.db).findUser(orgId, userId))?.status === 'active',
    displayNames: async (orgId, userIds) => {
      const wanted = new Set(userIds);
      return new Map((await identityStore(database.db).listUsers(orgId)).filter((u) => wanted.has(u.id)).map((u) => [u.id, u.displayName]));
    },
  };
}

function wirePatients(w: {
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
    rewrap: (ctx) => rewrapSealedPhi(uow, sealing, ctx),
  };
}

/** Devices: the device CA (created here for data directories older than it), registry, ports. */
async function openDevices(deps: {
  dataDir: string;
  keys: KeyProvider;
  clock: Clock;
  config: Config;
  database: SqlDatabase;
  securityEvents: SecurityEventSink;
  deviceScope: (executor: Executor) => DeviceScope;
}): Promise<DevicesModule> {
  const { dataDir, keys, clock, config, database, securityEvents } = deps;
  const root = await openRootCa({ dataDir, keys });
  const deviceCa = await ensureDeviceCa({ dataDir, keys, root, clock });
  const ca = new DeviceCertificateIssuer({ dataDir, keys, ca: deviceCa, clock, validityDays: config.devices.certificateValidityDays });
  const reader = { devices: deviceStore(database.db), certificates: deviceCertificateStore(database.db) };
  const authenticator = new DeviceAuthenticator({ ca, devices: reader.devices, certificates: reader.certificates, clock, security: securityEvents });
  const notifier = new DeviceAccessNotifier();
  const service = new DeviceService({
    uow: new SqlUnitOfWork(database, deps.deviceScope),
    certificates: reader.certificates,
    ca,
    authenticator,
    notifier,
    clock,
    security: securityEvents,
    mqttPort: config.mqttPort,
    tokenTtlMinutes: { default: config.devices.enrollmentTokenTtlMinutes, max: 7 * 24 * 60 },
  });
  const activity = new DeviceActivityBuffer(reader.devices);
  const watcher = new DeviceStatusWatcher(reader.devices, authenticator, notifier, () => service.refreshCrl(), clock);
  return {
    service,
    authenticateDevice: authenticator.authenticateDevice,
    onRevoked: (listener) => notifier.onRevoked(listener),
    activity,
    directory: {
      find: async (orgId, deviceId) => {
        const device = await reader.devices.find(orgId, deviceId);
        return device ? { deviceId: device.id, orgId: device.orgId, status: device.status } : null;
      },
    },
    clientCaPems: ca.chainPems(),
    flushActivity: () => activity.flush(),
    pollStatusChanges: () => watcher.poll(),
  };
}

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

function wireClinical(w: { database: SqlDatabase; auditLog: AuditLog; clock: Clock; patients: PatientService; vitalsAtRest: VitalsAtRest }): ClinicalWiring {
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

// --- security monitoring (issue 6): the detection engine on the event stream, and alerts ---
export interface SecurityWiring {
  readonly engine: DetectionEngine;
  readonly alerts: SecurityAlertService;
  readonly aggregated: AggregatingSecurityEventSink;
}

function wireSecurity(w: { database: SqlDatabase; auditLog: AuditLog; clock: Clock; config: Config; storedEvents: SecurityEventSink; notifier: SecurityAlertNotifier; faults: PlatformFaults }): SecurityWiring {
  const alerts = new SecurityAlertService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ alerts: securityAlertStore(executor), audit: w.auditLog.writer(auditStore(executor, w.database.dialect)) })),
    read: securityAlertStore(w.database.db),
    clock: w.clock,
    notifier: w.notifier,
    isActiveUser: identityUserDirectory(w.database).isActiveUser,
    onError: securityEventNotStored(w.faults, 'security alert not written'),
  });
  // issue 11 item 5: repeated info events are stored as counted rows; thresholds follow the broker's limits.
  const aggregated = new AggregatingSecurityEventSink(w.storedEvents, { windowMs: w.config.security.events.aggregateWindowSeconds * 1000 });
  const detectors = buildDetectors(detectorsFollowingLimits(w.config.security.detectors, w.config.mqtt));
  const engine = new DetectionEngine({ clock: w.clock, detectors, store: aggregated, raise: (c) => alerts.raise(c) });
  return { engine, alerts, aggregated };
}

// --- identity (issue 3): the service, its WebAuthn relying party, and its HTTP routes ---
function openIdentity(
  config: Config,
  database: SqlDatabase,
  clock: Clock,
  sealer: Sealer,
  setup: SetupCredentialService,
  setupScope: (executor: Executor) => SetupScope,
  securityEvents: SecurityEventSink,
): IdentityService {
  // Identity's audit records (logins, locks, grants, denials) also feed the security event stream.
  const identityScope = (executor: Executor): IdentityScope => {
    const base = setupScope(executor);
    return { ...base, audit: securityAuditTap(base.audit, securityEvents), identity: identityStore(executor) };
  };
  const { login, sessions } = config;
  return new IdentityService(new SqlUnitOfWork(database, identityScope), identityStore(database.db), setup, clock, sealer, new PasswordHasher(), new CommonPasswords(), {
    preset: config.passwords.preset,
    lockout: { threshold: login.lockoutThreshold, baseSeconds: login.lockoutBaseSeconds, maxSeconds: login.lockoutMaxSeconds },
    idleMinutes: sessions.idleMinutes,
    absoluteHours: sessions.absoluteHours,
    relyingParty: relyingParty(config),
  });
}

/** WebAuthn RP: the first configured hostname (else localhost), and the origins the console is served from. */
function relyingParty(config: Config): RelyingParty {
  const hosts = [...new Set([...config.tls.hostnames, 'localhost'])];
  const port = config.httpPort === 443 ? '' : `:${config.httpPort}`;
  return { rpId: hosts[0] ?? 'localhost', rpName: 'Vigil', origins: hosts.map((h) => `https://${h}${port}`) };
}

function identityHttp(platform: Platform): { routes: HttpRoutes[]; authorize: ReturnType<typeof createIdentityAuthorizer>['authorize'] } {
  const authorizer = createIdentityAuthorizer(platform.identity);
  const { identity } = platform;
  return {
    authorize: authorizer.authorize,
    routes: [authRoutes({ identity, authorizer, rateLimitPerMinute: platform.config.login.rateLimitPerMinute }), userRoutes(identity), accessRoutes(identity, platform.patients.records, platform.compliance.changes)],
  };
}

/** HTTPS credentials: the operator's own certificate, or one from Vigil's CA (issued or renewed as needed). */
export async function httpsCredentials(platform: Platform) {
  const { dataDir, keys, clock, config } = platform;
  const root = await openRootCa({ dataDir, keys });
  return resolveHttpsCredentials({
    dataDir,
    keys,
    root,
    clock,
    hostnames: config.tls.hostnames,
    ...(config.tls.certFile !== undefined ? { certFile: config.tls.certFile } : {}),
    ...(config.tls.keyFile !== undefined ? { keyFile: config.tls.keyFile } : {}),
  });
}

/** The context of an operator running the CLI on this host. */
export function cliContext(): RequestContext {
  return { principal: cliPrincipal(safeUser()), requestId: `cli-${newId()}`, source: 'local' };
}

export function systemRequestContext(job: string): RequestContext {
  return { principal: SYSTEM_PRINCIPAL, requestId: `${job}-${newId()}`, source: 'local' };
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function takeDataDirLock(platform: Platform): DataDirLock {
  return lockDataDir(platform.dataDir);
}

function safeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

/** Where the built console lives (packages/console/dist), relative to this file in dist/. */
export function defaultConsoleDir(): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'console', 'dist');
}

// --- telemetry and MQTT (issue 4) ---
/** The ports telemetry needs from the devices module (the integrator connects them). */
export interface DevicePorts {
  /** Maps a verified client certificate to a device. Default: refuse every device (secure until connected). */
  readonly authenticator?: BrokerDeviceAuthenticator;
  /** PEM of the device CA(s) the MQTT listener trusts. Default: Vigil's root (no device passes the default authenticator). */
  readonly caPem?: string;
  readonly directory?: DeviceDirectory;
  readonly activity?: DeviceActivity;
  /** Registers a listener called with a device id when it is revoked. */
  readonly onRevoked?: (listener: (deviceId: string) => void) => void;
}

export interface TelemetryServices {
  readonly committer: GroupCommitter;
  readonly pipeline: IngestPipeline;
  readonly commands: CommandService;
}

const NO_DEVICE_DIRECTORY: DeviceDirectory = { find: () => Promise.resolve(null) };

export function createTelemetry(
  platform: Platform,
  events: SecurityEventSink,
  devices: DevicePorts = {},
  onCommitted?: (readings: readonly ReadingRow[]) => void,
): TelemetryServices {
  const { database, auditLog, clock, config } = platform;
  const audit = (executor: Executor) => auditLog.writer(auditStore(executor, database.dialect));
  const committer = new GroupCommitter(
    new SqlUnitOfWork(database, (executor) => {
      const store = auditStore(executor, database.dialect, database.sqliteHandle);
      return { telemetry: telemetryStore(executor, database.sqliteHandle, platform.vitalsAtRest.sealing), audit: { append: (ctx, events) => auditLog.append(store, ctx, events) } };
    }),
    clock,
    {
      ...(platform.vitalsAtRest.sealing ? { prepare: () => (platform.vitalsAtRest.sealing as VitalsSealing).prepare() } : {}),
      maxDelayMs: config.telemetry.groupCommitMs,
      maxBatch: config.telemetry.groupCommitMaxMessages,
      attribution: platform.clinical.bindingCache,
      ...(onCommitted ? { onCommitted } : {}),
    },
  );
  const pipeline = new IngestPipeline({
    committer,
    clock,
    events,
    verifier: ecdsaP256Verifier,
    timeWindowSeconds: config.telemetry.timeWindowSeconds,
    signedModels: config.telemetry.signedModels,
    ...(devices.activity ? { activity: devices.activity } : {}),
  });
  const commands = new CommandService(
    new SqlUnitOfWork(database, (executor) => ({ commands: deviceCommandStore(executor), audit: audit(executor) })),
    devices.directory ?? NO_DEVICE_DIRECTORY,
    clock,
    events,
  );
  return { committer, pipeline, commands };
}

/** The verified client certificate on an HTTPS request (the listener asks for one, optionally). */
const tlsClientCertificate: ClientCertificateLookup = (request) => deviceCertificate(request) ?? null;

/** The devices module, seen through the ports telemetry and the broker need. */
function platformDevicePorts(platform: Platform): DevicePorts {
  const { devices } = platform;
  return {
    authenticator: {
      authenticate: async (certificate) => {
        const result = await devices.authenticateDevice(certificate, { transport: 'mqtt' });
        if (!result.ok) return { ok: false, reason: result.reason };
        const { deviceId, orgId, model, status } = result.device;
        return { ok: true, device: { deviceId, orgId, model, status } };
      },
    },
    caPem: devices.clientCaPems.join('\n'),
    directory: devices.directory,
    activity: devices.activity,
    onRevoked: (listener) => void devices.onRevoked((deviceId) => listener(deviceId)),
  };
}

export interface RunningServer {
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly broker: DeviceBroker;
  readonly telemetry: TelemetryServices;
  /** Writes the buffered API-call counters now (a job does it every minute); returns requests written. */
  flushUsage(): Promise<number>;
  /** Graceful stop: listeners close, in-flight requests and jobs finish, a final checkpoint, database closed. */
  close(): Promise<void>;
}

/** Starts the HTTPS listener and the jobs of a running server on an opened platform. */
export async function startServer(
  platform: Platform,
  logger: Logger,
  options: { consoleDir?: string; lock?: DataDirLock; devices?: DevicePorts; securityEvents?: SecurityEventSink } = {},
): Promise<RunningServer> {
  const { config } = platform;
  const lock = options.lock ?? takeDataDirLock(platform);
  // A job that failed for a storage fault is already in the storage fault log (one entry, then counts).
  const scheduler = new Scheduler((job, error) => (classifyStorageFault(error) ? logger.debug({ job, err: error }, 'job failed: storage') : logger.error({ job, err: error }, 'job failed')));
  platform.faults.useLogger(logger);
  let startedBroker: DeviceBroker | undefined;
  try {
    // A lock left by a process that died: log the unclean shutdown and the unsigned audit tail.
    await reportUncleanShutdown({ lock, reader: platform.auditReader(), auditLog: platform.auditLog, withAuditStore: (fn) => platform.withAuditStore(fn), warn: (fields, message) => logger.warn(fields, message) });
    const tls = await httpsCredentials(platform);
    logger.info({ source: tls.source, notAfter: tls.notAfter.toISOString(), issuedBecause: tls.issuedBecause }, 'https certificate');
    const identityRoutes = identityHttp(platform);
    // --- telemetry and MQTT (issue 4) ---
    // Security events are stored (platform.securityEvents); a caller may add its own sink (tests).
    const extraEvents = options.securityEvents;
    const securityEvents: SecurityEventSink = extraEvents
      ? {
          emit: (event) => {
            platform.securityEvents.emit(event);
            extraEvents.emit(event);
          },
        }
      : platform.securityEvents;
    const devices = options.devices ?? platformDevicePorts(platform);
    // emergency read-only mode (issue 12): no device may connect or publish.
    if (config.emergency.readOnly) logger.warn('emergency read-only mode: writes and device ingest are refused');
    const authenticator = config.emergency.readOnly ? refuseAllDevices : (devices.authenticator ?? refuseAllDevices);
    const telemetry = createTelemetry(platform, securityEvents, devices, (readings) => void platform.clinical.alerts.onCommitted(readings));
    const broker = await startDeviceBroker({
      host: config.host,
      port: config.mqttPort,
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      deviceCaPem: devices.caPem ?? (await openRootCa({ dataDir: platform.dataDir, keys: platform.keys })).certPem,
      authenticator,
      events: securityEvents,
      sourceGate: platform.incidents.blocks,
      limits: { ...config.mqtt },
      storage: platform.database.health,
      handler: {
        telemetry: (device, payload, source) => {
          // security monitoring: message count and size detectors (O(1), in process)
          if (platform.security.engine.hasMessageDetectors) {
            platform.security.engine.observeMessage({ deviceId: device.deviceId, orgId: device.orgId, bytes: payload.byteLength, source, at: platform.clock.now().getTime() });
          }
          return telemetry.pipeline.ingestPayload(device, payload, 'mqtt', source);
        },
        ack: async (device, payload, source) => {
          await telemetry.commands.recordAck(device, safeJson(payload), source);
        },
        event: (device, payload) => platform.deviceEvents.ingest(device, payload),
        commandsSubscribed: (device) => void telemetry.commands.deliverPending(device).catch((error: unknown) => logger.error({ err: error }, 'command delivery failed')),
      },
    });
    startedBroker = broker;
    telemetry.commands.attachDelivery({ deliver: (deviceId, command) => broker.deliverCommand(deviceId, command) });
    devices.onRevoked?.((deviceId) => broker.disconnectDevice(deviceId, 'revoked'));
    logger.info({ host: config.host, port: broker.port }, 'mqtt listening');
    // --- usage tracking and metrics (issue 6) ---
    const requestCounter = new RequestCounter(() => usageStore(platform.database.db), platform.clock);
    const usageReader = usageStore(platform.database.db);
    const metrics = new PlatformMetrics({
      ingest: () => telemetry.pipeline.counters.snapshot(),
      brokerRefusals: () => broker.refusals.snapshot(),
      brokerConnections: () => broker.connectedCount(),
      auditHeadSeq: async () => (await platform.auditReader().head())?.seq ?? 0,
      securityEventsByType: () => usageReader.securityEventsByType(),
      ...storageMetricSources(platform, broker),
      databaseTls: async () => {
        const transport = await platform.database.transportSecurity?.();
        return transport === undefined || transport.kind === 'local-file' || transport.kind === 'unknown' ? undefined : transport.kind === 'tls';
      },
    });
    // Links (FHIR Bundles) are built on the public base URL; the port is known once listening.
    let listeningPort = config.httpPort;
    // --- backups (issue 12): scheduled, retried, pruned and verified (composition/backup.ts)
    const backupJobs = await startBackupJobs(platform, process.env, (job, error) => logger.error({ job, err: error }, 'job failed'));
    const http = await createHttpServer({
      authorize: identityRoutes.authorize,
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      // Request ids land in audit events: mint them here rather than believe a client's.
      acceptClientRequestId: false,
      logger,
      bodyLimit: config.http.bodyLimitBytes,
      consoleDir: options.consoleDir ?? defaultConsoleDir(),
      // devices: optional client certificates (renewal, HTTPS ingest) and the device routes.
      clientCa: platform.devices.clientCaPems,
      onResponse: usageObserver(requestCounter, metrics),
      sourceGate: platform.incidents.blocks,
      routes: applyEmergencyMode(config, [
        ...identityRoutes.routes,
        patientRoutes({
          patients: platform.patients.records,
          breakGlass: platform.patients.breakGlass,
          training: platform.patients.training,
          labels: platform.patients.labels,
          openAlerts: (ctx) => (decide(ctx.principal, 'clinical-alerts:read').allow ? platform.clinical.alerts.openSummary(ctx) : Promise.resolve(null)),
        }),
        deviceRoutes({ service: platform.devices.service }),
        vitalsRoutes({ bindings: platform.clinical.bindings, vitals: platform.clinical.vitals }),
        clinicalAlertRoutes({ alerts: platform.clinical.alerts, vitals: platform.clinical.vitals, bus: platform.clinical.bus, labels: platform.patients.labels }),
        deviceTelemetryRoutes({ pipeline: telemetry.pipeline, commands: telemetry.commands, authenticator, clientCertificate: tlsClientCertificate, events: securityEvents }),
        fhirHttp(platform, undefined, () => defaultPublicBaseUrl(config, listeningPort)),
        deliveryRoutes({ delivery: platform.delivery }),
        usageRoutes({ usage: platform.usage, flushRequestCounts: () => requestCounter.flush() }),
        disclosureRoutes({ disclosures: platform.disclosures }),
        deviceEventRoutes({ deviceEvents: platform.deviceEvents }),
        dashboardRoutes({ dashboards: new DashboardService({ reader: dashboardStore(platform.database.db), clock: platform.clock }) }),
        metricsRoutes({ metrics, tokenMatches: platform.metricsTokenMatches, authorize: identityRoutes.authorize }),
        securityRoutes({ alerts: platform.security.alerts }),
        auditRoutes({ auditLog: wireAuditLogService(platform) }),
        backupRoutes({ backups: backupConsole(platform, backupJobs, process.env) }),
        complianceRoutes({ compliance: platform.compliance }),
        keyRoutes({ rotateKek: (ctx) => platform.rotateKek(ctx) }),
        firmwareRoutes({ releases: platform.updates.releases }),
        tufRoutes({ tuf: platform.updates.tuf, artifacts: platform.updates.artifacts, authenticateDevice: platform.devices.authenticateDevice, clientCertificate: tlsClientCertificate, events: securityEvents }),
        rolloutRoutes({ rollouts: platform.updates.rollouts }),
        attestationRoutes({ attestation: platform.updates.attestation, authenticateDevice: platform.devices.authenticateDevice, clientCertificate: tlsClientCertificate, events: securityEvents }),
        incidentRoutes({ incidents: platform.incidents.service, containment: () => platform.incidents.containment }),
        incidentNoticeRoutes({ notifications: () => platform.incidents.notifications }),
      ]),
      readiness: storageReadiness(platform.database),
    });
    await http.listen({ host: config.host, port: config.httpPort });
    const httpPort = (http.server.address() as AddressInfo).port;
    listeningPort = httpPort;
    logger.info({ host: config.host, port: httpPort, database: platform.database.description }, 'https listening');
    await logDatabaseTransport(platform.database, logger);

    scheduler.add({
      name: 'audit-checkpoint',
      everyMs: Math.max(1000, Math.floor((config.audit.checkpointIntervalSeconds * 1000) / 2)),
      run: async () => {
        const cp = await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store));
        if (cp) logger.info({ seq: cp.seq, keyId: cp.keyId }, 'audit checkpoint');
      },
    });
    // Each committed checkpoint also goes outside the database: the witness file and the SIEM (composition/audit-trail.ts).
    const forwardCheckpoints = syslogCheckpointForwarder(config);
    scheduler.add({
      name: 'audit-witness',
      everyMs: Math.max(1000, Math.min(5000, Math.floor((config.audit.checkpointIntervalSeconds * 1000) / 2))),
      run: async () => void (await witnessCheckpoints(config, platform.dataDir, platform.auditReader, forwardCheckpoints)),
    });

    // devices: last-seen writes, changes made by the CLI, and a CRL that never lapses.
    scheduler.add({ name: 'incident-clocks', everyMs: 60_000, run: async () => void (await platform.incidents.notifications?.tick()) });
    scheduler.add({ name: 'incident-block-list', everyMs: 10_000, run: async () => void (await platform.incidents.containment?.reloadBlocks()) });
    scheduler.add({ name: 'device-activity-flush', everyMs: 5_000, run: async () => void (await platform.devices.flushActivity()) });
    scheduler.add({ name: 'device-status-watch', everyMs: 2_000, run: async () => void (await platform.devices.pollStatusChanges()) });
    scheduler.add({ name: 'device-crl-refresh', everyMs: 60 * 60_000, run: async () => void (await platform.devices.service.crl()) });
    // updates: the TUF timestamp (1 day) and snapshot/targets (30 days) are re-signed before they expire.
    scheduler.add({
      name: 'firmware-integrity-scan',
      everyMs: 24 * 3600_000,
      run: async () => {
        const orgs = await platform.identity.listOrganizations(TUF_SYSTEM_CONTEXT);
        const flagged = await platform.updates.attestation.flagMissingReports(TUF_SYSTEM_CONTEXT, orgs.map((o) => o.id));
        if (flagged > 0) logger.warn({ flagged }, 'devices without a required firmware attestation');
      },
    });
    // updates: rollouts send their waves over the device command path and check their gates.
    platform.updates.rollouts.attachCommands({
      send: async (orgId, deviceId, name, args, ttlSeconds) => void (await telemetry.commands.send(TUF_SYSTEM_CONTEXT, deviceId, { name, args, ttlSeconds }, orgId)),
    });
    // A failed install (the device's ack of firmware.update) feeds the campaign's failure gate and retries.
    telemetry.commands.onAck((ack) => platform.updates.rollouts.recordAck(ack).catch((error: unknown) => logger.error({ err: error, deviceId: ack.deviceId }, 'rollout ack not recorded')));
    scheduler.add({ name: 'rollout-engine', everyMs: 10_000, run: () => platform.updates.rollouts.tick() });
    scheduler.add({ name: 'tuf-refresh', everyMs: 15 * 60_000, run: async () => void (await platform.updates.tuf.refresh(TUF_SYSTEM_CONTEXT)) });
    scheduler.add({ name: 'usage-request-flush', everyMs: 60_000, run: async () => void (await requestCounter.flush()) });
    // alert delivery: deliveries left in the outbox by a previous process (restart, crash)
    scheduler.add({ name: 'alert-outbox-resume', everyMs: 30_000, run: async () => void (await platform.delivery.resume()) });
    void platform.delivery.resume().catch((error: unknown) => logger.error({ err: error }, 'alert outbox resume failed'));
    // security monitoring: the silence detector (devices not heard from for longer than their model's interval)
    const silence = config.security.detectors.deviceSilence;
    if (config.security.detectors.enabled && silence.enabled) {
      scheduler.add({ name: 'security-device-silence', everyMs: silence.checkEverySeconds * 1000, run: async () => void (await platform.security.alerts.checkSilence(silence)) });
    }
    // --- reconnect floods (issue 11 item 5): detector state survives restarts; the event store is capped ---
    await restoreDetectorState(platform, logger);
    scheduler.add({ name: 'security-detector-state', everyMs: 60_000, run: () => saveDetectorState(platform) });
    // accounting of disclosures: six years kept (HIPAA §164.528, §164.530(j)); only older rows go
    scheduler.add({ name: 'disclosures-retention', everyMs: 24 * 3600 * 1000, run: async () => void (await platform.disclosures.prune(systemRequestContext('disclosures-retention'))) });
    scheduler.add({ name: 'security-event-retention', everyMs: 10 * 60_000, run: () => runSecurityEventRetention(platform, config.security.events, logger) });
    scheduler.add({
      name: 'telemetry-retention',
      everyMs: 6 * 3600 * 1000,
      run: async () => {
        const uow = new SqlUnitOfWork(platform.database, (executor) => ({
          retention: telemetryRetentionStore(executor, platform.database.dialect),
          audit: platform.auditLog.writer(auditStore(executor, platform.database.dialect)),
        }));
        const result = await applyTelemetryRetention(uow, platform.clock, config.telemetry.retentionDays, systemRequestContext('telemetry-retention'));
        if (result.deletedRows > 0 || result.droppedPartitions.length > 0) logger.info(result, 'telemetry retention');
      },
    });

    const stopComplianceSchedule = startComplianceSchedule(platform.compliance.audits, platform.clock, (error) => logger.error({ err: error }, 'compliance audit failed'));

    let closed: Promise<void> | undefined;
    return {
      httpPort,
      mqttPort: broker.port,
      broker,
      telemetry,
      flushUsage: () => requestCounter.flush(),
      close: () => {
        closed ??= (async () => {
          await closeHttpServer(http);
          await broker.close();
          await telemetry.committer.close();
          await platform.clinical.alerts.drain();
          await scheduler.stop();
          await saveDetectorState(platform).catch((error: unknown) => logger.error({ err: error }, 'security detector state not saved'));
          await backupJobs?.stop();
          await stopComplianceSchedule();
          await platform.devices.flushActivity().catch((error: unknown) => logger.error({ err: error }, 'device activity flush failed'));
          await requestCounter.flush().catch((error: unknown) => logger.error({ err: error }, 'usage counter flush failed'));
          await platform
            .withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true))
            .catch((error: unknown) => logger.error({ err: error }, 'final audit checkpoint failed'));
          await platform.close();
          lock.release();
        })();
        return closed;
      },
    };
  } catch (error) {
    await scheduler.stop();
    await startedBroker?.close();
    lock.release();
    throw error;
  }
}

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

// --- emergency read-only mode (issue 12): every module's writes refused, sign-in still allowed ---
function applyEmergencyMode(config: Config, routes: HttpRoutes[]): HttpRoutes[] {
  return config.emergency.readOnly ? routes.map(readOnlyRoutes) : routes;
}
