/**
 * The platform: keys first, then the database, then every module wired on them (openPlatform).
 */
import type { DeliveryService, SecurityAlertNotifier } from '../alerts/index.js';
import { AuditLog, type AuditReader, type AuditStore } from '../audit/index.js';
import type { UsageService } from '../compliance/index.js';
import { checkDataDirMode, createDataDir, dataDirExists, resolveDataDir, type Config } from '../config/index.js';
import type { DeviceScope, DeviceEventService } from '../devices/index.js';
import type { DisclosureService } from '../disclosures/index.js';
import { ensureDeviceCa, initRootCa } from '../identity/ca/index.js';
import { type IdentityService, SetupCredentialService, type SetupScope } from '../identity/index.js';
import { systemClock, type Clock, type RequestContext, type SecurityEventSink } from '../kernel/index.js';
import { createEnvelopeSealer, initKeyStore, keyStoreExists, openKeyStore, type KeyProvider, type Sealer } from '../keys/index.js';
import {
  auditStore,
  securityEventStore,
  StoreSecurityEventSink,
  deviceCertificateStore,
  deviceStore,
  enrollmentTokenStore,
  openDatabase,
  setupCredentialStore,
  SqlUnitOfWork,
  systemMetaStore,
  type Executor,
  type SqlDatabase,
} from '../storage/index.js';
import { signUnsignedTail, syslogCheckpointForwarder, witnessCheckpoints } from './audit-trail.js';
import { type ClinicalWiring, wireClinical } from './clinical.js';
import { wireCompliance, type ComplianceWiring } from './compliance.js';
import { wireDeliveryUsage } from './delivery-usage.js';
import { wireDeviceEvents } from './device-events.js';
import { type DevicesModule, openDevices } from './devices.js';
import { wireDisclosures } from './disclosures.js';
import { openIdentity } from './identity.js';
import { attachContainment, wireIncidents, type IncidentsWiring } from './incidents.js';
import { rotateKek, type KekRotationReport } from './key-rotation.js';
import { followManagedSettings } from './managed-settings-sync.js';
import { type PatientsWiring, identityUserDirectory, wirePatients } from './patients.js';
import { type SecurityWiring, wireSecurity } from './security-monitoring.js';
import { platformFaults, securityEventNotStored, type PlatformFaults } from './storage-faults.js';
import { imageRemoteFor, wireUpdates, type UpdatesWiring } from './updates.js';
import { openVitalsAtRest, type VitalsAtRest } from './vitals-at-rest.js';

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
  /** Devices plus users from which compliance audits run in a worker thread (default 20,000; tests pass 0). */
  readonly auditWorkerThreshold?: number;
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
  const dataDir = resolveDataDir(options.config.dataDir);
  const clock = options.clock ?? systemClock;
  if (dataDirExists(dataDir)) checkDataDirMode(dataDir);
  const keys = await openKeyStore({ dataDir, masterKey: masterKeyFromEnv(options.env), clock });
  const database = await openDatabase({ dataDir, databaseUrl: options.config.databaseUrl });
  // Settings approved on any node sharing this database (composition/managed-settings-sync.ts).
  const config = await followManagedSettings(options.config, database, dataDir).then(
    (followed) => followed.config,
    async (error: unknown) => {
      await database.close();
      throw error;
    },
  );
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
  const userDirectory = identityUserDirectory(database);
  const incidents = wireIncidents({ database, auditLog, sealer, clock, isActiveUser: userDirectory.isActiveUser });
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
  const security = wireSecurity({ database, auditLog, clock, config, storedEvents, notifier, faults, isActiveUser: userDirectory.isActiveUser });
  const extraSink = options.securityEvents;
  const securityEvents: SecurityEventSink = extraSink
    ? {
        emit: (event) => {
          security.engine.emit(event);
          extraSink.emit(event);
        },
      }
    : security.engine;
  const patients = wirePatients({ database, keys, sealer, auditLog, clock, config, securityEvents, users: userDirectory });
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
  const compliance = wireCompliance({ database, auditLog, clock, config, keys, dataDir, identity, devices: devices.service, raiseAlert: (c) => security.alerts.raise(c), rotateKek: rotateKekGated, engine: security.engine, ...(options.auditWorkerThreshold !== undefined ? { auditWorkerThreshold: options.auditWorkerThreshold } : {}) });
  const updates = wireUpdates({ dataDir, database, auditLog, clock, keys, devices: devices.service, securityEvents, securityAlerts: security.alerts, stepUp: (ctx, code) => identity.verifyStepUp(ctx, code), imageRemote: imageRemoteFor(config), changeControl: compliance });
  await attachContainment(incidents, { database, auditLog, clock, keys, sealer, devices: devices.service, identity, raise: (c) => security.alerts.raise(c), sendEmail: (o, to, subject, text) => delivery.sendEmail(o, to, subject, text), updates, changes: compliance.changes });
  const disclosures = wireDisclosures({ database, auditLog, sealer, clock });
  const deviceEvents = wireDeviceEvents({ database, clock, alerts: () => security.alerts });
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
