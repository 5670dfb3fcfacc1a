/**
 * The backup manifest and its canonical form: pure, no I/O.
 *
 * A backup is a folder on a target: `<id>/manifest.json` and one age file per part. The manifest
 * names every part with the SHA-256 of its plaintext and of its ciphertext, the audit chain head
 * at the snapshot, and the row count of every table; it is signed with the audit-signing key.
 *
 * MUST: the manifest is written last: a backup without one is incomplete and never listed.
 * MUST: parsing is an allowlist: an unknown field or a wrong type is BACKUP_MANIFEST_INVALID.
 * MUST: the signature covers `canonicalManifest(manifest)`, a fixed-order encoding (sorted keys),
 *       never the file's own text.
 */
import { AppError } from '../kernel/index.js';

export const MANIFEST_FORMAT = 'vigil-backup';
export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export type BackupEngine = 'sqlite' | 'postgres';

export interface BackupPart {
  /** File name on the target, e.g. `database.sqlite.age`. */
  readonly name: string;
  readonly plainSha256: string;
  readonly plainBytes: number;
  readonly cipherSha256: string;
  readonly cipherBytes: number;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly version: typeof MANIFEST_VERSION;
  readonly id: string;
  readonly vigilVersion: string;
  /** The latest migration applied to the database copied. */
  readonly schemaVersion: string;
  readonly engine: BackupEngine;
  readonly startedAt: string;
  readonly createdAt: string;
  /** The audit chain head inside the snapshot (null: an empty log). */
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly rowCounts: Readonly<Record<string, number>>;
  /** The newest telemetry reading's receive time in the snapshot (the recovery point of telemetry). */
  readonly lastTelemetryAt: string | null;
  /** The age recipients the parts are encrypted to: the offline recovery key first, then the drill key. */
  readonly recipients: readonly string[];
  readonly parts: readonly BackupPart[];
}

export interface SignedManifest {
  readonly manifest: BackupManifest;
  readonly signature: { readonly keyId: string; readonly value: string };
}

/** JSON with object keys sorted at every level: the bytes the signature covers. */
export function canonicalManifest(manifest: BackupManifest): string {
  return canonicalJson(manifest);
}

/** JSON with object keys sorted at every level (manifests, drill reports). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const ID_RE = /^\d{8}T\d{6}Z-[0-9a-z]{6}$/;
const SHA_RE = /^[0-9a-f]{64}$/;
const PART_RE = /^[a-z][a-z0-9.-]{0,63}\.age$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A backup id sorts by time: `20261206T043000Z-ab12cd`. */
export function backupIdAt(time: Date, suffix: string): string {
  return `${time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-${suffix}`;
}

export function isBackupId(value: string): boolean {
  return ID_RE.test(value);
}

/** The time a backup id names. */
export function backupIdTime(id: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  if (!m) throw invalid(`${id} is not a backup id`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z`);
}

export function parseSignedManifest(text: string): SignedManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw invalid('manifest.json is not JSON', cause);
  }
  const outer = fields(value, ['manifest', 'signature'], 'the file');
  const sig = fields(outer['signature'], ['keyId', 'value'], 'signature');
  const m = fields(
    outer['manifest'],
    ['format', 'version', 'id', 'vigilVersion', 'schemaVersion', 'engine', 'startedAt', 'createdAt', 'auditHead', 'rowCounts', 'lastTelemetryAt', 'recipients', 'parts'],
    'manifest',
  );
  if (m['format'] !== MANIFEST_FORMAT || m['version'] !== MANIFEST_VERSION) throw invalid('not a version 1 Vigil backup manifest');
  const id = str(m['id'], 'id');
  if (!isBackupId(id)) throw invalid('malformed id');
  const engine = m['engine'];
  if (engine !== 'sqlite' && engine !== 'postgres') throw invalid('unknown engine');
  const head = m['auditHead'];
  let auditHead: BackupManifest['auditHead'] = null;
  if (head !== null) {
    const h = fields(head, ['seq', 'hash'], 'auditHead');
    if (!Number.isSafeInteger(h['seq']) || (h['seq'] as number) < 0 || !SHA_RE.test(str(h['hash'], 'auditHead.hash'))) throw invalid('malformed auditHead');
    auditHead = { seq: h['seq'] as number, hash: h['hash'] as string };
  }
  const counts = m['rowCounts'];
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) throw invalid('malformed rowCounts');
  const rowCounts: Record<string, number> = {};
  for (const [table, n] of Object.entries(counts as Record<string, unknown>)) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table) || !Number.isSafeInteger(n) || (n as number) < 0) throw invalid(`malformed row count for ${table}`);
    rowCounts[table] = n as number;
  }
  const last = m['lastTelemetryAt'];
  if (last !== null && !(typeof last === 'string' && !Number.isNaN(Date.parse(last)))) throw invalid('malformed lastTelemetryAt');
  const rawParts = m['parts'];
  if (!Array.isArray(rawParts) || rawParts.length === 0 || rawParts.length > 16) throw invalid('malformed parts');
  const parts = rawParts.map((p: unknown, i): BackupPart => {
    const f = fields(p, ['name', 'plainSha256', 'plainBytes', 'cipherSha256', 'cipherBytes'], `part #${i}`);
    const name = str(f['name'], 'part name');
    if (!PART_RE.test(name)) throw invalid(`malformed part name ${JSON.stringify(name)}`);
    const plainSha256 = str(f['plainSha256'], 'plainSha256');
    const cipherSha256 = str(f['cipherSha256'], 'cipherSha256');
    if (!SHA_RE.test(plainSha256) || !SHA_RE.test(cipherSha256)) throw invalid(`malformed hash of ${name}`);
    const plainBytes = f['plainBytes'];
    const cipherBytes = f['cipherBytes'];
    if (!Number.isSafeInteger(plainBytes) || !Number.isSafeInteger(cipherBytes)) throw invalid(`malformed size of ${name}`);
    return { name, plainSha256, plainBytes: plainBytes as number, cipherSha256, cipherBytes: cipherBytes as number };
  });
  if (new Set(parts.map((p) => p.name)).size !== parts.length) throw invalid('a part is listed twice');
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    id,
    vigilVersion: str(m['vigilVersion'], 'vigilVersion'),
    schemaVersion: str(m['schemaVersion'], 'schemaVersion'),
    engine,
    startedAt: time(m['startedAt'], 'startedAt'),
    createdAt: time(m['createdAt'], 'createdAt'),
    auditHead,
    rowCounts,
    lastTelemetryAt: last as string | null,
    recipients: recipientsOf(m['recipients']),
    parts,
  };
  return { manifest, signature: { keyId: str(sig['keyId'], 'signature.keyId'), value: str(sig['value'], 'signature.value') } };
}

export function serializeSignedManifest(signed: SignedManifest): string {
  return `${JSON.stringify(signed, null, 2)}\n`;
}

function fields(value: unknown, names: readonly string[], where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${where} is not an object`);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!names.includes(key)) throw invalid(`${where} has an unknown field ${JSON.stringify(key)}`);
  for (const key of names) if (!Object.hasOwn(record, key)) throw invalid(`${where} has no ${key}`);
  return record;
}

function recipientsOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 4) throw invalid('malformed recipients');
  return value.map((r) => str(r, 'recipient'));
}

function str(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) throw invalid(`malformed ${name}`);
  return value;
}

function time(value: unknown, name: string): string {
  const text = str(value, name);
  if (!TIME_RE.test(text) || Number.isNaN(Date.parse(text))) throw invalid(`malformed ${name}`);
  return text;
}

function invalid(detail: string, cause?: unknown): AppError {
  return new AppError('BACKUP_MANIFEST_INVALID', { detail: `backup manifest: ${detail}`, ...(cause !== undefined ? { cause } : {}) });
}
