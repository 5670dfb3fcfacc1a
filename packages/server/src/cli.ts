#!/usr/bin/env node
/**
 * The `vigil` command. An entry point like main.ts: it parses flags, loads the config, calls
 * the composition root, and maps results to exit codes (0 success, 1 failure, 2 usage).
 * MUST: every verb has --help; a failure prints one line on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { runAuditExport, runAuditVerify } from './cli/audit-commands.js';
import { registerBackupCommands } from './cli/backup-commands.js';
import { registerDrCommands } from './cli/dr-commands.js';
import { flagsToConfig, type CommonFlags } from './cli/config-flags.js';
import { runDemo } from './cli/demo-commands.js';
import { parseTokenCount, runDeviceChange, runDeviceList, runDeviceSite, runDeviceToken } from './cli/device-commands.js';
import { registerFirmwareCommands } from './cli/firmware-commands.js';
import { registerIncidentCommands } from './cli/incident-commands.js';
import { runKeysList, runKeysRotate } from './cli/keys-commands.js';
import { registerRolloutCommands } from './cli/rollout-commands.js';
import { registerUpdatesCommands } from './cli/updates-commands.js';
import { EXIT_USAGE, fail } from './cli/output.js';
import { runInit, runStart, runAuditCheckpoint } from './cli/server-commands.js';
import { runUserCreate, runUserDisable, runUserGrant, runUserList, runUserResetPassword, type UserCreateFlags } from './cli/user-commands.js';
import { loadConfig, type LoadedConfig } from './config/index.js';
import { registerComplianceCommands } from './cli/compliance-commands.js';
import { registerDisclosureCommands } from './cli/disclosure-commands.js';

const VERSION = '0.1.0';

function config(flags: CommonFlags): LoadedConfig {
  const loaded = loadConfig({ flags: flagsToConfig(flags), env: process.env, ...(flags.config !== undefined ? { file: flags.config } : {}) });
  for (const warning of loaded.warnings) process.stderr.write(`${warning}\n`);
  return loaded;
}

function withStorageOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (also VIGIL_CONFIG)')
    .option('--data-dir <dir>', 'data directory (default ./vigil-data, or VIGIL_DATA_DIR)')
    .option('--database-url <url>', 'PostgreSQL URL (default: SQLite in the data directory; or VIGIL_DATABASE_URL)');
}

function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      fail(error);
    }
  };
}

const program = new Command('vigil')
  .description('Vigil: the secure cloud side of connected medical devices')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

withStorageOptions(program.command('init'))
  .description('create the data directory, keys, CA and database, and print the first-admin setup credential')
  .option('--reissue-setup-credential', 'on an initialized data directory where no admin exists yet: print a new setup credential (earlier ones stop working)')
  .action(action(async (flags: CommonFlags & { reissueSetupCredential?: boolean }) => runInit(config(flags).config, { reissueSetupCredential: flags.reissueSetupCredential })));

withStorageOptions(program.command('start'))
  .description('start the Vigil server (creates the data directory on first start)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--http-port <port>', 'HTTPS port (default 8443)')
  .option('--mqtt-port <port>', 'MQTT over TLS port (default 8883)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .option('--emergency-read-only', 'emergency mode: serve reads; refuse writes and device ingest (docs/backup.md)')
  .option('--production', 'production mode (as NODE_ENV=production): warns when the master key file sits in the data directory')
  .action(action(async (flags: CommonFlags & { production?: boolean }) => runStart(config(flags).config, { production: flags.production === true })));

program
  .command('demo')
  .description('start a demo hospital: seeded users and patients, twelve simulated devices, live vitals and clinical alerts')
  .option('--data-dir <dir>', 'a fresh data directory (default: a new temporary one)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .option('--http-port <port>', 'HTTPS port (default 8443)')
  .option('--mqtt-port <port>', 'MQTT over TLS port (default 8883)')
  .option('--duration <seconds>', 'stop by itself after this many seconds')
  .option('--incident', 'also play an attack (stolen password from a new address, a monitor with unknown firmware) that opens an incident')
  .action(action(async (flags: { dataDir?: string; host?: string; httpPort?: string; mqttPort?: string; duration?: string; incident?: boolean }) => runDemo(flags)));

const audit = program.command('audit').description('the tamper-evident audit log');
withStorageOptions(audit.command('verify'))
  .description('verify the hash chain and signed checkpoints offline; exit 1 naming the first bad seq')
  .option('--file <jsonl>', 'verify an exported JSONL file instead of the database')
  .option('--public-key <file...>', 'trusted audit-signing key(s): PEM files or a public-keys.json list (default: <data-dir>/keys/public-keys.json)')
  .option('--witness <file>', 'check the log against the checkpoints witnessed outside the database (audit-witness.jsonl)')
  .action(
    action(async (flags: CommonFlags & { file?: string; publicKey?: string[]; witness?: string }) => {
      const result = await runAuditVerify({ config: config(flags).config, file: flags.file, publicKeyFiles: flags.publicKey ?? [], witnessFile: flags.witness });
      if (!result.ok) throw new Error(result.message);
      process.stdout.write(`${result.message}\n`);
    }),
  );
withStorageOptions(audit.command('export'))
  .description('export the audit log (events, then checkpoints)')
  .addOption(new Option('--format <format>', 'output format').choices(['jsonl']).default('jsonl'))
  .option('--output <file>', 'write to a file (mode 0600) instead of stdout')
  .action(
    action(async (flags: CommonFlags & { output?: string }) => {
      const lines = await runAuditExport(config(flags).config, flags.output);
      if (flags.output !== undefined) process.stderr.write(`exported ${lines} lines to ${flags.output}\n`);
    }),
  );
withStorageOptions(audit.command('checkpoint'))
  .description('write a signed checkpoint of the current head now (needs the master key)')
  .action(action(async (flags: CommonFlags) => runAuditCheckpoint(config(flags).config)));

const keys = program.command('keys').description('the key store');
withStorageOptions(keys.command('list'))
  .description('list keys (ids, purposes, status; never key material)')
  .action(action(async (flags: CommonFlags) => runKeysList(config(flags).config)));
withStorageOptions(keys.command('rotate'))
  .description('make a new key of a purpose active; old keys stay for opening and verifying')
  .argument('<purpose>', 'kek | audit-signing | tuf-timestamp | tuf-snapshot | tuf-targets | tuf-delegation')
  .option('--change <id>', 'the approved key-rotation change request this rotation applies (two-person change control)')
  .action(action(async (purpose: string, flags: CommonFlags & { change?: string }) => runKeysRotate(config(flags).config, purpose, flags.change)));

const device = program.command('device').description('devices: enrolment tokens, the registry, revocation and quarantine');
withStorageOptions(device.command('token'))
  .description('issue a one-time enrolment token for a device model (printed once)')
  .requiredOption('--org <org>', 'organization (name or id) the device will belong to')
  .requiredOption('--model <model>', 'device model the token is for')
  .option('--expires-in <minutes>', 'lifetime in minutes (default: config devices.enrollmentTokenTtlMinutes)')
  .option('--count <n>', 'issue N tokens, printed alone one per line (the simulator --token-file format)', parseTokenCount)
  .action(
    action(async (flags: CommonFlags & { org: string; model: string; expiresIn?: string; count?: number }) =>
      runDeviceToken(config(flags).config, { org: flags.org, model: flags.model, expiresIn: flags.expiresIn, count: flags.count }),
    ),
  );
withStorageOptions(device.command('list'))
  .description('list the devices of an organization')
  .requiredOption('--org <org>', 'organization (name or id)')
  .option('--json', 'print JSON')
  .action(action(async (flags: CommonFlags & { org: string; json?: boolean }) => runDeviceList(config(flags).config, { org: flags.org, json: flags.json })));
for (const [verb, what] of [
  ['revoke', 'revoke a device: its certificates are revoked, the CRL re-signed, open connections cut'],
  ['quarantine', 'quarantine a device: it may not connect or publish until released'],
  ['release', 'release a quarantined device'],
  ['decommission', 'retire a device for good: its certificates are revoked'],
] as const) {
  withStorageOptions(device.command(verb))
    .description(what)
    .argument('<device>', 'device id or serial')
    .requiredOption('--org <org>', 'organization (name or id) of the device')
    .requiredOption('--reason <reason>', 'coded reason, e.g. key-compromise, lost-device, suspicious-traffic')
    .action(
      action(async (deviceId: string, flags: CommonFlags & { org: string; reason: string }) =>
        runDeviceChange(config(flags).config, verb, deviceId, { org: flags.org, reason: flags.reason }),
      ),
    );
}
withStorageOptions(device.command('site'))
  .description("set a device's site (rollouts can be narrowed to a site), or remove it with --clear")
  .argument('<device>', 'device id or serial')
  .argument('[site]', "site code, e.g. st-marys (letters, digits, '.', '_', '-')")
  .requiredOption('--org <org>', 'organization (name or id) of the device')
  .option('--clear', 'remove the site')
  .action(
    action(async (deviceId: string, site: string | undefined, flags: CommonFlags & { org: string; clear?: boolean }) =>
      runDeviceSite(config(flags).config, deviceId, site, { org: flags.org, clear: flags.clear }),
    ),
  );
// --- vigil user (identity) ---
const user = program.command('user').description('people and their accounts');
withStorageOptions(user.command('create'))
  .description('create a user with a one-time password; with --setup-credential, the first organization and its platform-admin')
  .requiredOption('--username <name>', 'username, unique in its organization (compared after NFKC and lower-casing)')
  .option('--display-name <name>', 'display name (default: the username)')
  .option('--role <role...>', 'role(s): org-admin, security-officer, clinician, technician, auditor, platform-admin')
  .option('--org <name>', 'organization name (with --setup-credential: the first organization to create)')
  .option('--setup-credential <token>', 'the one-time setup credential printed at first start')
  .action(action(async (flags: CommonFlags & UserCreateFlags) => runUserCreate(config(flags).config, flags)));
withStorageOptions(user.command('list'))
  .description('list the users of an organization')
  .requiredOption('--org <name>', 'organization name')
  .action(action(async (flags: CommonFlags & { org: string }) => runUserList(config(flags).config, flags.org)));
withStorageOptions(user.command('disable'))
  .description('disable a user; their sessions end at once')
  .argument('<username>')
  .option('--org <org>', 'organization (name or id); needed when the username exists in several')
  .action(action(async (username: string, flags: CommonFlags & { org?: string }) => runUserDisable(config(flags).config, username, flags.org)));
withStorageOptions(user.command('reset-password'))
  .description('force a password reset: prints a one-time password; every session of the user ends')
  .argument('<username>')
  .option('--org <org>', 'organization (name or id); needed when the username exists in several')
  .action(action(async (username: string, flags: CommonFlags & { org?: string }) => runUserResetPassword(config(flags).config, username, flags.org)));
withStorageOptions(user.command('grant'))
  .description("set a user's roles (replaces them; their sessions end)")
  .argument('<username>')
  .argument('<role...>')
  .option('--org <org>', 'organization (name or id); needed when the username exists in several')
  .action(action(async (username: string, roles: string[], flags: CommonFlags & { org?: string }) => runUserGrant(config(flags).config, username, roles, flags.org)));
// --- vigil incident (incident response) ---
registerIncidentCommands(program, withStorageOptions, action, config);

// --- vigil backup (issue 12) ---
registerBackupCommands(program, { withStorageOptions, config: (flags) => config(flags).config, action });
registerDrCommands(program, { withStorageOptions, config: (flags) => config(flags).config, action });
// --- compliance: audits, findings, reports, change control, risks (issue 14) ---
registerComplianceCommands(program, { withStorageOptions, action, config });
// --- accounting of disclosures (HIPAA §164.528) ---
registerDisclosureCommands(program, { withStorageOptions, action, config });
// --- vigil firmware (updates) ---
// `vigil firmware publish --version V` names the release's version: the program's own --version
// is recognized only before a verb.
program.enablePositionalOptions();
registerFirmwareCommands(program, { config, action, withStorageOptions });
registerUpdatesCommands(program, { config, action, withStorageOptions });
registerRolloutCommands(program, { config, action, withStorageOptions });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  fail(error);
}
