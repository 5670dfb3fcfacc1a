/**
 * The small files a backup carries besides the database: the key store (re-sealed for recovery,
 * with its escrow key), the CA's public files and CRL, the recovery recipient, and the config file.
 * They travel as two JSON parts (`keys.json.age`, `files.json.age`), each age-encrypted.
 *
 * MUST: paths are relative, allowlisted (no `..`, no absolute paths) both when written and when
 *       restored, so a crafted backup cannot write outside the new data directory.
 * MUST: the master key file and the data directory's lock are never carried.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../kernel/index.js';
import type { RecoveryKeyStore } from '../keys/index.js';

export interface CarriedFile {
  /** Relative to the data directory, e.g. `ca/root.pem`; `config/vigil.json` for the config file. */
  readonly path: string;
  readonly mode: number;
  readonly content: string;
}

export const KEYS_PART = 'keys.json.age';
export const FILES_PART = 'files.json.age';
export const RECIPIENT_FILE = 'backup-recipient.txt';
export const DRILL_KEY_FILE = 'backup-drill-key.json';
const PATH_RE = /^(ca|config)\/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$|^backup-recipient\.txt$|^backup-drill-key\.json$/;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function isCarriedPath(path: string): boolean {
  return PATH_RE.test(path) && !path.includes('..');
}

/** The CA folder's files, the recipient file, and the config file if one is in use. */
export async function collectCarriedFiles(dataDir: string, configFile: string | undefined): Promise<CarriedFile[]> {
  const files: CarriedFile[] = [];
  const caDir = join(dataDir, 'ca');
  const names = await readdir(caDir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const path = `ca/${name}`;
    if (!isCarriedPath(path)) continue;
    const info = await stat(join(caDir, name));
    if (!info.isFile() || info.size > MAX_FILE_BYTES) continue;
    files.push({ path, mode: info.mode & 0o777, content: (await readFile(join(caDir, name))).toString('base64') });
  }
  const recipient = await readFile(join(dataDir, RECIPIENT_FILE)).catch(() => undefined);
  if (recipient !== undefined) files.push({ path: RECIPIENT_FILE, mode: 0o644, content: recipient.toString('base64') });
  const drill = await readFile(join(dataDir, DRILL_KEY_FILE)).catch(() => undefined);
  if (drill !== undefined) files.push({ path: DRILL_KEY_FILE, mode: 0o600, content: drill.toString('base64') });
  if (configFile !== undefined) {
    files.push({ path: 'config/vigil.json', mode: 0o600, content: (await readFile(configFile)).toString('base64') });
  }
  return files;
}

export function serializeFiles(files: readonly CarriedFile[]): string {
  return JSON.stringify({ format: 'vigil-backup-files', files });
}

export function parseFiles(text: string): CarriedFile[] {
  const value = parseJson(text, 'files.json');
  if (value['format'] !== 'vigil-backup-files' || !Array.isArray(value['files'])) throw invalid('files.json is not a Vigil file list');
  return (value['files'] as unknown[]).map((entry) => {
    if (typeof entry !== 'object' || entry === null) throw invalid('files.json has a malformed entry');
    const { path, mode, content } = entry as Record<string, unknown>;
    if (typeof path !== 'string' || !isCarriedPath(path)) throw invalid(`files.json names a path outside the allowlist: ${JSON.stringify(path)}`);
    if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) throw invalid(`files.json: bad mode for ${path}`);
    if (typeof content !== 'string') throw invalid(`files.json: bad content for ${path}`);
    return { path, mode, content };
  });
}

export function serializeKeys(copy: RecoveryKeyStore): string {
  return JSON.stringify({ format: 'vigil-backup-keys', keyStore: copy.keyStore, escrowKey: copy.escrowKey });
}

export function parseKeys(text: string): RecoveryKeyStore {
  const value = parseJson(text, 'keys.json');
  const { format, keyStore, escrowKey } = value;
  if (format !== 'vigil-backup-keys' || typeof keyStore !== 'string' || typeof escrowKey !== 'string') throw invalid('keys.json is not a Vigil recovery key store');
  return { keyStore, escrowKey };
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw invalid(`${what} is not JSON`, cause);
  }
  throw invalid(`${what} is not an object`);
}

function invalid(detail: string, cause?: unknown): AppError {
  return new AppError('BACKUP_PART_CORRUPT', { detail, ...(cause !== undefined ? { cause } : {}) });
}
