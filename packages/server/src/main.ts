/**
 * The composition root: the only file that builds adapters and wires modules together.
 *
 * MUST: the key store is opened (and the master key checked) before anything else is opened
 *       for writing, so a wrong master key leaves the data directory untouched.
 * MUST: every service gets its ports from here; there are no module-level singletons.
 */
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog, type AuditReader, type AuditStore } from './audit/index.js';
import { checkDataDirMode, createDataDir, dataDirExists, lockDataDir, resolveDataDir, type Config, type DataDirLock } from './config/index.js';
import { SetupCredentialService, type SetupScope } from './identity/index.js';
import { initRootCa, openRootCa, resolveHttpsCredentials } from './identity/ca/index.js';
import { createEnvelopeSealer, ecdsaP256Verifier, initKeyStore, keyStoreExists, openKeyStore, type KeyProvider, type Sealer } from './keys/index.js';
import { cliPrincipal, newId, systemClock, SYSTEM_PRINCIPAL, type Clock, type RequestContext, type SecurityEventSink } from './kernel/index.js';
import { Scheduler } from './jobs/index.js';
import type { Logger } from './observability/index.js';
import { closeHttpServer, createHttpServer, deviceTelemetryRoutes, type ClientCertificateLookup } from './transports/http/index.js';
import { auditStore, openDatabase, setupCredentialStore, SqlUnitOfWork, systemMetaStore, type Executor, type SqlDatabase } from './storage/index.js';
// --- telemetry and MQTT (issue 4) ---
import { applyTelemetryRetention, CommandService, GroupCommitter, IngestPipeline, type DeviceActivity, type DeviceDirectory } from './telemetry/index.js';
import { deviceCommandStore, telemetryRetentionStore, telemetryStore } from './storage/index.js';
import { refuseAllDevices, startDeviceBroker, type DeviceAuthenticator, type DeviceBroker } from './transports/mqtt/index.js';

export interface PlatformOptions {
  readonly config: Config;
  /** The environment, for VIGIL_MASTER_KEY. */
  readonly env: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

export interface Platform {
  readonly config: Config;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly database: SqlDatabase;
  readonly keys: KeyProvider;
  readonly sealer: Sealer;
  readonly auditLog: AuditLog;
  readonly setup: SetupCredentialService;
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
  await initRootCa({ dataDir, keys, clock });
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
  const auditLog = new AuditLog({
    signer: () => keys.signer('audit-signing'),
    clock,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalSeconds: config.audit.checkpointIntervalSeconds,
  });
  const scoped = (executor: Executor) => auditStore(executor, database.dialect);
  const setupScope = (executor: Executor): SetupScope => ({
    credentials: setupCredentialStore(executor),
    meta: systemMetaStore(executor),
    audit: auditLog.writer(scoped(executor)),
  });
  const setup = new SetupCredentialService(new SqlUnitOfWork(database, setupScope), clock, config.setup.credentialTtlMinutes);
  return {
    config,
    dataDir,
    clock,
    database,
    keys,
    sealer,
    auditLog,
    setup,
    auditReader: () => auditStore(database.db, database.dialect, database.sqliteHandle),
    withAuditStore: (fn) => new SqlUnitOfWork(database, scoped).run(fn),
    close: () => database.close(),
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
  readonly authenticator?: DeviceAuthenticator;
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

export function createTelemetry(platform: Platform, events: SecurityEventSink, devices: DevicePorts = {}): TelemetryServices {
  const { database, auditLog, clock, config } = platform;
  const audit = (executor: Executor) => auditLog.writer(auditStore(executor, database.dialect));
  const committer = new GroupCommitter(
    new SqlUnitOfWork(database, (executor) => {
      const store = auditStore(executor, database.dialect);
      return { telemetry: telemetryStore(executor, database.sqliteHandle), audit: { append: (ctx, events) => auditLog.append(store, ctx, events) } };
    }),
    clock,
    { maxDelayMs: config.telemetry.groupCommitMs, maxBatch: config.telemetry.groupCommitMaxMessages },
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

/** The verified client certificate on an HTTPS request (null until the listener requests them). */
const tlsClientCertificate: ClientCertificateLookup = (request) => {
  const socket = request.raw.socket as TLSSocket;
  return socket.authorized === true ? (socket.getPeerX509Certificate() ?? null) : null;
};

export interface RunningServer {
  readonly httpPort: number;
  readonly mqttPort: number;
  readonly broker: DeviceBroker;
  readonly telemetry: TelemetryServices;
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
  const scheduler = new Scheduler((job, error) => logger.error({ job, err: error }, 'job failed'));
  let startedBroker: DeviceBroker | undefined;
  try {
    const tls = await httpsCredentials(platform);
    logger.info({ source: tls.source, notAfter: tls.notAfter.toISOString(), issuedBecause: tls.issuedBecause }, 'https certificate');
    // --- telemetry and MQTT (issue 4) ---
    const securityEvents: SecurityEventSink = options.securityEvents ?? { emit: (event) => logger.warn({ securityEvent: event }, 'security event') };
    const devices = options.devices ?? {};
    // Placeholder until the devices module is wired: refuse every device (secure default).
    const authenticator = devices.authenticator ?? refuseAllDevices;
    const telemetry = createTelemetry(platform, securityEvents, devices);
    const broker = await startDeviceBroker({
      host: config.host,
      port: config.mqttPort,
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      deviceCaPem: devices.caPem ?? (await openRootCa({ dataDir: platform.dataDir, keys: platform.keys })).certPem,
      authenticator,
      events: securityEvents,
      limits: { ...config.mqtt },
      handler: {
        telemetry: (device, payload, source) => telemetry.pipeline.ingestPayload(device, payload, 'mqtt', source),
        ack: async (device, payload, source) => {
          await telemetry.commands.recordAck(device, safeJson(payload), source);
        },
        event: () => Promise.resolve(),
        commandsSubscribed: (device) => void telemetry.commands.deliverPending(device).catch((error: unknown) => logger.error({ err: error }, 'command delivery failed')),
      },
    });
    startedBroker = broker;
    telemetry.commands.attachDelivery({ deliver: (deviceId, command) => broker.deliverCommand(deviceId, command) });
    devices.onRevoked?.((deviceId) => broker.disconnectDevice(deviceId, 'revoked'));
    logger.info({ host: config.host, port: broker.port }, 'mqtt listening');
    const http = await createHttpServer({
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      // Request ids land in audit events: mint them here rather than believe a client's.
      acceptClientRequestId: false,
      logger,
      routes: [deviceTelemetryRoutes({ pipeline: telemetry.pipeline, commands: telemetry.commands, authenticator, clientCertificate: tlsClientCertificate, events: securityEvents })],
      bodyLimit: config.http.bodyLimitBytes,
      consoleDir: options.consoleDir ?? defaultConsoleDir(),
      readiness: async () => {
        const database = await platform.database.ping();
        return { ready: database, checks: { database } };
      },
    });
    await http.listen({ host: config.host, port: config.httpPort });
    const httpPort = (http.server.address() as AddressInfo).port;
    logger.info({ host: config.host, port: httpPort, database: platform.database.description }, 'https listening');

    scheduler.add({
      name: 'audit-checkpoint',
      everyMs: Math.max(1000, Math.floor((config.audit.checkpointIntervalSeconds * 1000) / 2)),
      run: async () => {
        const cp = await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store));
        if (cp) logger.info({ seq: cp.seq, keyId: cp.keyId }, 'audit checkpoint');
      },
    });

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

    let closed: Promise<void> | undefined;
    return {
      httpPort,
      mqttPort: broker.port,
      broker,
      telemetry,
      close: () => {
        closed ??= (async () => {
          await closeHttpServer(http);
          await broker.close();
          await telemetry.committer.close();
          await scheduler.stop();
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
