/**
 * `vigil init`, `vigil start`, `vigil audit checkpoint`: the verbs that open the platform
 * with its keys.
 *
 * MUST: the setup credential is written to the terminal once and never to the log.
 * MUST: SIGINT/SIGTERM stop gracefully: no new connections, requests in flight finish, jobs
 *       finish, the database closes cleanly. A second signal exits at once.
 */
import { createServer } from 'node:net';
import type { Config, DataDirLock } from '../config/index.js';
import type { IssuedSetupCredential } from '../identity/index.js';
import { AppError } from '../kernel/index.js';
import {
  cliContext,
  initialize,
  isInitialized,
  openPlatform,
  startServer,
  systemRequestContext,
  takeDataDirLock,
  type RunningServer,
} from '../main.js';
import { createLogger } from '../observability/index.js';
import { initDrillIdentity, initRecoveryRecipient } from '../backup/index.js';
import { printRecoveryKey } from './backup-commands.js';
import { isProduction, masterKeyLocationWarning } from './production-checks.js';

export async function runInit(config: Config, flags: { reissueSetupCredential?: boolean | undefined } = {}): Promise<void> {
  if (await isInitialized(config)) {
    if (flags.reissueSetupCredential === true) return reissueSetupCredential(config);
    throw new AppError('KEYS_STORE_EXISTS', { detail: `${config.dataDir} is already initialized; start it with \`vigil start\`` });
  }
  const { dataDir } = await initialize({ config, env: process.env });
  const platform = await openPlatform({ config, env: process.env });
  try {
    const issued = await platform.setup.issue(cliContext());
    // backups (issue 12): the recovery key pair; its private half is printed once, below.
    const recovery = await initRecoveryRecipient(dataDir, { now: platform.clock.now() });
    await initDrillIdentity(dataDir, platform.sealer);
    printInitialized(dataDir, process.env['VIGIL_MASTER_KEY'] === undefined);
    printCredential(issued);
    printRecoveryKey(recovery.identity, recovery.recipient, platform.keys.active('audit-signing').id);
  } finally {
    await platform.close();
  }
}

/** `vigil init --reissue-setup-credential`: a new first-admin credential while no admin exists. */
async function reissueSetupCredential(config: Config): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    printCredential(await platform.setup.reissue(cliContext()));
  } finally {
    await platform.close();
  }
}

/**
 * Refuses to start when a listening port is taken, BEFORE anything is initialized or a setup
 * credential is issued (issue 11: a start on a busy port printed the one-time credential, then
 * exited, and the next start would not show it again). Port 0 (any free port) is never busy.
 */
export async function assertPortsFree(host: string, ports: ReadonlyArray<readonly [string, number]>): Promise<void> {
  for (const [name, port] of ports) {
    if (port === 0) continue;
    const probe = createServer();
    const busy = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error));
      probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
    });
    if (busy !== null) {
      throw new AppError('CONFIG_PORT_IN_USE', {
        detail: `the ${name} port ${host}:${port} is not available (${busy.code ?? busy.message}); nothing was started or issued`,
      });
    }
  }
}

export async function runStart(config: Config, options: { readonly production?: boolean } = {}): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  await assertPortsFree(config.host, [
    ['HTTPS', config.httpPort],
    ['MQTT', config.mqttPort],
  ]);
  if (!(await isInitialized(config))) {
    const { dataDir } = await initialize({ config, env: process.env });
    printInitialized(dataDir, process.env['VIGIL_MASTER_KEY'] === undefined);
  }
  const platform = await openPlatform({ config, env: process.env });
  const keyWarning = masterKeyLocationWarning(platform.dataDir, process.env, isProduction(process.env, options.production));
  if (keyWarning !== undefined) {
    process.stderr.write(`${keyWarning}\n`);
    logger.warn({ dataDir: platform.dataDir }, 'production: master key file inside the data directory');
  }
  let server: RunningServer;
  let lock: DataDirLock | undefined;
  try {
    // One server per data directory: take the lock before anything is written.
    lock = takeDataDirLock(platform);
    const setup = await platform.setup.ensure(systemRequestContext('setup'));
    if (setup.issued) printCredential(setup.issued);
    else if (!setup.completed && setup.pendingUntil !== undefined) {
      process.stdout.write(`A first-admin setup credential was issued earlier and is valid until ${setup.pendingUntil}.\n`);
    }
    server = await startServer(platform, logger, { lock });
  } catch (error) {
    lock?.release();
    await platform.close();
    throw error;
  }
  process.stdout.write(`Vigil is running: https://${displayHost(config.host)}:${server.httpPort}/  (Ctrl-C to stop)\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write('vigil: second signal, exiting now\n');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server
      .close()
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

export async function runAuditCheckpoint(config: Config): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const cp = await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
    process.stdout.write(cp ? `checkpoint written at seq ${cp.seq} (key ${cp.keyId})\n` : 'no new events since the last checkpoint\n');
  } finally {
    await platform.close();
  }
}

function printInitialized(dataDir: string, masterKeyFile: boolean): void {
  process.stdout.write(`Initialized Vigil in ${dataDir} (mode 0700): database, keys, CA.\n`);
  if (masterKeyFile) {
    process.stdout.write(
      `The master key is in ${dataDir}/master.key (mode 0600). Without it nothing in the data directory opens:\n` +
        `back it up apart from the data, or set VIGIL_MASTER_KEY from a secret store instead.\n`,
    );
  }
}

function printCredential(issued: IssuedSetupCredential): void {
  process.stdout.write(
    `\nFirst-admin setup credential (shown once; single use; expires ${issued.expiresAt}):\n\n    ${issued.token}\n\n` +
      'Use it once, in the console, with POST /api/v1/setup, or with\n' +
      '    vigil user create --setup-credential <credential> --org <organization> --username <name>\n\n',
  );
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
