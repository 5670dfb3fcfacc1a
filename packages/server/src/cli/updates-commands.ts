/**
 * `vigil updates online-keys|root init|root sign|root rotate|root install`: the TUF root ceremony.
 *
 * init, sign and rotate work offline: they need no data directory, only root key files (Ed25519,
 * 0600) and the online public keys exported with `online-keys` on the server host. install runs
 * on the server host and verifies the new root against the trusted one before using it.
 * MUST: root key files are created exclusively (never overwritten) and only their public halves
 *       ever leave this process; the server never receives a root private key.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { AppError, systemClock } from '../kernel/index.js';
import { generateOfflineSigningKey, openOfflineSigner, writeFileAtomic } from '../keys/index.js';
import { cliContext, openPlatform } from '../main.js';
import { buildRoot, DEFAULT_ROOT_EXPIRY_DAYS, DEFAULT_ROOT_KEYS, DEFAULT_ROOT_THRESHOLD, metadataText, nextRoot, parseRoot, rootSignatureCount, signRoot, type OnlinePublicKeys } from '../updates/index.js';
import type { CommonFlags } from './config-flags.js';
import type { CliHelpers } from './firmware-commands.js';

const DAY = 86_400_000;

export async function runOnlineKeys(config: Config, out?: string): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const keys = await platform.updates.onlinePublicKeys();
    const text = `${JSON.stringify(keys, null, 2)}\n`;
    if (out === undefined) process.stdout.write(text);
    else await writeFileAtomic(out, text, 0o644);
  } finally {
    await platform.close();
  }
}

export interface RootInitFlags {
  readonly keysDir: string;
  readonly onlineKeys: string;
  readonly out: string;
  readonly keys?: string | undefined;
  readonly threshold?: string | undefined;
  readonly expiresDays?: string | undefined;
}

export async function runRootInit(flags: RootInitFlags): Promise<void> {
  const count = positive('--keys', flags.keys, DEFAULT_ROOT_KEYS);
  const threshold = positive('--threshold', flags.threshold, DEFAULT_ROOT_THRESHOLD);
  if (threshold > count) throw usage(`--threshold ${threshold} is above --keys ${count}`);
  const online = await readOnlineKeys(flags.onlineKeys);
  const publicKeys = await generateKeys(flags.keysDir, count);
  const root = buildRoot({ version: 1, expires: expiry(flags.expiresDays), rootKeys: publicKeys, threshold, online });
  for (let i = 1; i <= count; i++) signRoot(root, await openOfflineSigner(join(flags.keysDir, `root-${i}.key`)));
  await writeFileAtomic(flags.out, `${metadataText(root)}\n`, 0o644);
  process.stdout.write(`root v1 written to ${flags.out}: ${count} root keys in ${flags.keysDir} (threshold ${threshold}), signed by all of them\n`);
}

export async function runRootSign(file: string, flags: { key: string[]; previous?: string | undefined }): Promise<void> {
  const root = parseRoot(JSON.parse(await readFile(file, 'utf8')));
  const previous = flags.previous === undefined ? undefined : parseRoot(JSON.parse(await readFile(flags.previous, 'utf8')));
  for (const keyFile of flags.key) signRoot(root, await openOfflineSigner(keyFile), previous);
  await writeFileAtomic(file, `${metadataText(root)}\n`, 0o644);
  process.stdout.write(`${file}: ${describeCounts(rootSignatureCount(root, previous))}\n`);
}

export interface RootRotateFlags {
  readonly current: string;
  readonly out: string;
  readonly onlineKeys?: string | undefined;
  readonly newKeysDir?: string | undefined;
  readonly keys?: string | undefined;
  readonly threshold?: string | undefined;
  readonly key?: string[] | undefined;
  readonly expiresDays?: string | undefined;
}

export async function runRootRotate(flags: RootRotateFlags): Promise<void> {
  const current = parseRoot(JSON.parse(await readFile(flags.current, 'utf8')));
  const online = flags.onlineKeys === undefined ? undefined : await readOnlineKeys(flags.onlineKeys);
  let rootKeys: string[] | undefined;
  let count = 0;
  if (flags.newKeysDir !== undefined) {
    count = positive('--keys', flags.keys, DEFAULT_ROOT_KEYS);
    rootKeys = await generateKeys(flags.newKeysDir, count);
  }
  const threshold = flags.threshold === undefined ? undefined : positive('--threshold', flags.threshold, DEFAULT_ROOT_THRESHOLD);
  const next = nextRoot(current, { expires: expiry(flags.expiresDays), rootKeys, threshold, online });
  if (flags.newKeysDir !== undefined) for (let i = 1; i <= count; i++) signRoot(next, await openOfflineSigner(join(flags.newKeysDir, `root-${i}.key`)), current);
  for (const keyFile of flags.key ?? []) signRoot(next, await openOfflineSigner(keyFile), current);
  await writeFileAtomic(flags.out, `${metadataText(next)}\n`, 0o644);
  process.stdout.write(`root v${next.signed.version} written to ${flags.out}: ${describeCounts(rootSignatureCount(next, current))}\n`);
}

export async function runRootInstall(config: Config, file: string): Promise<void> {
  const json: unknown = JSON.parse(await readFile(file, 'utf8'));
  const platform = await openPlatform({ config, env: process.env });
  try {
    await platform.updates.onlinePublicKeys();
    const report = await platform.updates.tuf.installRoot(cliContext(), json);
    process.stdout.write(`installed root v${report.root}; signed targets v${report.targets}, snapshot v${report.snapshot}, timestamp v${report.timestamp} (${Object.keys(report.models).length} models)\n`);
  } finally {
    await platform.close();
  }
}

/** Registers `vigil updates …` on the program. */
export function registerUpdatesCommands(program: Command, h: CliHelpers): void {
  const updates = program.command('updates').description('the TUF update repository: online keys and the offline root ceremony');
  h.withStorageOptions(updates.command('online-keys'))
    .description('print (or write) the public online keys a root must list; creates missing ones (server host)')
    .option('--out <file>', 'write the JSON to a file')
    .action(h.action(async (flags: CommonFlags & { out?: string }) => runOnlineKeys(h.config(flags).config, flags.out)));
  const root = updates.command('root').description('the offline root of trust (threshold-signed)');
  root
    .command('init')
    .description('offline: create root keys and sign root v1 naming the online keys')
    .requiredOption('--keys-dir <dir>', 'new directory for the root key files (root-1.key ...)')
    .requiredOption('--online-keys <file>', 'JSON from `vigil updates online-keys`')
    .requiredOption('--out <file>', 'where to write 1.root.json')
    .option('--keys <n>', `number of root keys (default ${DEFAULT_ROOT_KEYS})`)
    .option('--threshold <n>', `signatures required (default ${DEFAULT_ROOT_THRESHOLD})`)
    .option('--expires-days <days>', `root lifetime (default ${DEFAULT_ROOT_EXPIRY_DAYS})`)
    .action(h.action(async (flags: RootInitFlags) => runRootInit(flags)));
  root
    .command('sign')
    .description('offline: add signatures of root key files to a root file')
    .argument('<file>', 'root metadata file')
    .requiredOption('--key <file...>', 'root key file(s)')
    .option('--previous <file>', 'the previous root (to sign a rotation with its keys)')
    .action(h.action(async (file: string, flags: { key: string[]; previous?: string }) => runRootSign(file, flags)));
  root
    .command('rotate')
    .description('offline: make root version N+1 (new online keys and/or new root keys), signed by old and new keys')
    .requiredOption('--current <file>', 'the trusted root (version N)')
    .requiredOption('--out <file>', 'where to write version N+1')
    .option('--online-keys <file>', 'JSON from `vigil updates online-keys` after `vigil keys rotate tuf-...`')
    .option('--new-keys-dir <dir>', 'replace the root keys with new ones created here')
    .option('--keys <n>', 'number of new root keys (with --new-keys-dir)')
    .option('--threshold <n>', 'new root threshold')
    .option('--key <file...>', 'root key file(s) of version N (or N+1) to sign with')
    .option('--expires-days <days>', `root lifetime (default ${DEFAULT_ROOT_EXPIRY_DAYS})`)
    .action(h.action(async (flags: RootRotateFlags) => runRootRotate(flags)));
  h.withStorageOptions(root.command('install'))
    .description('server host: verify a root against the trusted one and re-sign the repository under it')
    .argument('<file>', 'root metadata file')
    .action(h.action(async (file: string, flags: CommonFlags) => runRootInstall(h.config(flags).config, file)));
}

async function generateKeys(dir: string, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ((await readdir(dir)).some((name) => name.startsWith('root-'))) throw usage(`${dir} already holds root keys; use a new directory`);
  const out: string[] = [];
  for (let i = 1; i <= count; i++) out.push(await generateOfflineSigningKey(join(dir, `root-${i}.key`)));
  return out;
}

async function readOnlineKeys(file: string): Promise<OnlinePublicKeys> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Partial<Record<string, unknown>>;
  const pem = (name: string): string => {
    const value = json[name];
    if (typeof value !== 'string') throw usage(`${file} has no ${name} key; make it with \`vigil updates online-keys\``);
    return value;
  };
  return { timestamp: pem('timestamp'), snapshot: pem('snapshot'), targets: pem('targets') };
}

function expiry(days: string | undefined): Date {
  return new Date(systemClock.now().getTime() + positive('--expires-days', days, DEFAULT_ROOT_EXPIRY_DAYS) * DAY);
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d{0,3}$/.test(value)) throw usage(`${flag} must be a positive integer`);
  return Number(value);
}

function describeCounts(c: ReturnType<typeof rootSignatureCount>): string {
  const own = `${c.own}/${c.needed} signatures of its own root keys`;
  return c.previous === undefined ? own : `${own}, ${c.previous}/${c.previousNeeded ?? 0} of the previous root's keys`;
}

function usage(detail: string): AppError {
  return new AppError('VALIDATION_FAILED', { detail });
}
