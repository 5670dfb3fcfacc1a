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
import { AuditLog, type AuditReader, type AuditStore } from './audit/index.js';
import { checkDataDirMode, createDataDir, dataDirExists, lockDataDir, resolveDataDir, type Config, type DataDirLock } from './config/index.js';
import { SetupCredentialService, type SetupScope } from './identity/index.js';
import { CommonPasswords, IdentityService, PasswordHasher, type IdentityScope, type RelyingParty } from './identity/index.js';
import { initRootCa, openRootCa, resolveHttpsCredentials } from './identity/ca/index.js';
import { createEnvelopeSealer, initKeyStore, keyStoreExists, openKeyStore, type KeyProvider, type Sealer } from './keys/index.js';
import { cliPrincipal, newId, systemClock, SYSTEM_PRINCIPAL, type Clock, type RequestContext } from './kernel/index.js';
import { Scheduler } from './jobs/index.js';
import type { Logger } from './observability/index.js';
import { closeHttpServer, createHttpServer, type HttpRoutes } from './transports/http/index.js';
import { accessRoutes, authRoutes, createIdentityAuthorizer, userRoutes } from './transports/http/identity.js';
import { auditStore, identityStore, openDatabase, setupCredentialStore, SqlUnitOfWork, systemMetaStore, type Executor, type SqlDatabase } from './storage/index.js';

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
  /** Organizations, users, passwords, sessions, MFA, service accounts. */
  readonly identity: IdentityService;
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
  const identity = openIdentity(config, database, clock, sealer, setup, setupScope);
  return {
    config,
    dataDir,
    clock,
    database,
    keys,
    sealer,
    auditLog,
    setup,
    identity,
    auditReader: () => auditStore(database.db, database.dialect, database.sqliteHandle),
    withAuditStore: (fn) => new SqlUnitOfWork(database, scoped).run(fn),
    close: () => database.close(),
  };
}

// --- identity (issue 3): the service, its WebAuthn relying party, and its HTTP routes ---
function openIdentity(config: Config, database: SqlDatabase, clock: Clock, sealer: Sealer, setup: SetupCredentialService, setupScope: (executor: Executor) => SetupScope): IdentityService {
  const identityScope = (executor: Executor): IdentityScope => ({ ...setupScope(executor), identity: identityStore(executor) });
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
    routes: [authRoutes({ identity, authorizer, rateLimitPerMinute: platform.config.login.rateLimitPerMinute }), userRoutes(identity), accessRoutes(identity)],
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

/** Where the built console lives (packages/console/dist), relative to this file in dist/. */
export function defaultConsoleDir(): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'console', 'dist');
}


export interface RunningServer {
  readonly httpPort: number;
  /** Graceful stop: listeners close, in-flight requests and jobs finish, a final checkpoint, database closed. */
  close(): Promise<void>;
}

/** Starts the HTTPS listener and the jobs of a running server on an opened platform. */
export async function startServer(
  platform: Platform,
  logger: Logger,
  options: { consoleDir?: string; lock?: DataDirLock } = {},
): Promise<RunningServer> {
  const { config } = platform;
  const lock = options.lock ?? takeDataDirLock(platform);
  const scheduler = new Scheduler((job, error) => logger.error({ job, err: error }, 'job failed'));
  try {
    const tls = await httpsCredentials(platform);
    logger.info({ source: tls.source, notAfter: tls.notAfter.toISOString(), issuedBecause: tls.issuedBecause }, 'https certificate');
    const identityRoutes = identityHttp(platform);
    const http = await createHttpServer({
      authorize: identityRoutes.authorize,
      routes: [...identityRoutes.routes],
      tls: tls.credentials,
      tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
      // Request ids land in audit events: mint them here rather than believe a client's.
      acceptClientRequestId: false,
      logger,
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

    let closed: Promise<void> | undefined;
    return {
      httpPort,
      close: () => {
        closed ??= (async () => {
          await closeHttpServer(http);
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
    lock.release();
    throw error;
  }
}
