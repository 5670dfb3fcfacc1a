/**
 * Verifying a backup: download, decrypt, and check everything a restore will rely on.
 *
 *   1. manifest.json parses (allowlist) and names this backup;
 *   2. every part decrypts with the recovery key, and its ciphertext and plaintext match their
 *      SHA-256 and sizes in the manifest (a flipped byte, a truncated upload, a swapped part);
 *   3. the manifest signature verifies with a trusted audit-signing key: the live data
 *      directory's keys when given, else the backup's own key store, whose key id is reported
 *      so the operator can compare it with the one recorded at `backup init-recovery`;
 *   4. the database copy passes PRAGMA integrity_check, opened read-only;
 *   5. its schema version, row counts, audit head and last telemetry time equal the manifest's;
 *   6. its audit chain verifies (hash chain and signed checkpoints) up to the manifest head.
 *
 * MUST: the first failed check throws an AppError whose code and text name it
 *       (BACKUP_MANIFEST_INVALID, BACKUP_PART_CORRUPT, BACKUP_SIGNATURE_INVALID, BACKUP_CONTENT_MISMATCH).
 * MUST: decrypted parts go only to `scratchDir` (0700), which the caller removes.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readAllStoredEvents, verifyAuditLog } from '../audit/index.js';
import type { CoveragePolicy } from '../audit/index.js';
import { publicKeysOfStore, type RecoveryKeyStore, type Verifier } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import { parseFiles, parseKeys, FILES_PART, KEYS_PART, type CarriedFile } from './carried-files.js';
import { canonicalManifest, parseSignedManifest, MANIFEST_FILE, type BackupManifest } from './model.js';
import { readPart } from './part-stream.js';
import type { SnapshotInspector } from './store.js';
import { readAll, type BackupTarget } from './target.js';

const MANIFEST_LIMIT = 1024 * 1024;

export interface VerifyDeps {
  readonly target: BackupTarget;
  /** The recovery key (age identity). */
  readonly identity: string;
  readonly inspector: SnapshotInspector;
  readonly verifier: Verifier;
  /** The audit writer's checkpoint cadence the copy's chain is held to (audit/coverage.ts); default: the configuration's defaults. */
  readonly auditPolicy?: CoveragePolicy;
  /** Trusted audit-signing keys (id -> PEM); default: the backup's own key store. */
  readonly trustedKeys?: ReadonlyMap<string, string> | undefined;
  readonly scratchDir: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** The `age` tool to decrypt the database part with (faster); default: the age-encryption library. */
  readonly ageBinary?: string | undefined;
}

export interface VerifiedBackup {
  readonly manifest: BackupManifest;
  /** The decrypted database part in scratchDir (`vigil.db`, or `database.pgdump`). */
  readonly databaseFile: string;
  readonly keys: RecoveryKeyStore;
  readonly files: readonly CarriedFile[];
  readonly signingKeyId: string;
  readonly auditEventsVerified: number;
}

export async function readManifest(target: BackupTarget, id: string): Promise<{ manifest: BackupManifest; signature: { keyId: string; value: string } }> {
  const text = (await readAll(await target.get(`${id}/${MANIFEST_FILE}`), MANIFEST_LIMIT)).toString('utf8');
  const signed = parseSignedManifest(text);
  if (signed.manifest.id !== id) throw new AppError('BACKUP_MANIFEST_INVALID', { detail: `manifest of ${id} names another backup (${signed.manifest.id})` });
  return signed;
}

export async function verifyBackup(deps: VerifyDeps, id: string): Promise<VerifiedBackup> {
  const { manifest, signature } = await readManifest(deps.target, id);
  await mkdir(deps.scratchDir, { recursive: true, mode: 0o700 });
  const partOf = (name: string) => {
    const part = manifest.parts.find((p) => p.name === name || (name === 'database' && p.name.startsWith('database.')));
    if (!part) throw new AppError('BACKUP_MANIFEST_INVALID', { detail: `the manifest lists no ${name} part` });
    return part;
  };
  const keysPart = partOf(KEYS_PART);
  await readPart(deps.target, id, keysPart, deps.identity, join(deps.scratchDir, 'keys.json'));
  const keys = parseKeys(await readFile(join(deps.scratchDir, 'keys.json'), 'utf8'));
  const ownKeys = publicKeysOfStore(keys.keyStore);
  const trusted = deps.trustedKeys ?? ownKeys;
  const pem = trusted.get(signature.keyId);
  if (pem === undefined) throw new AppError('BACKUP_SIGNATURE_INVALID', { detail: `the manifest is signed by ${signature.keyId}, which is not a trusted audit-signing key` });
  if (!deps.verifier.verify(pem, Buffer.from(canonicalManifest(manifest), 'utf8'), Buffer.from(signature.value, 'base64'))) {
    throw new AppError('BACKUP_SIGNATURE_INVALID', { detail: `the manifest signature does not verify with ${signature.keyId}` });
  }
  await readPart(deps.target, id, partOf(FILES_PART), deps.identity, join(deps.scratchDir, 'files.json'));
  const files = parseFiles(await readFile(join(deps.scratchDir, 'files.json'), 'utf8'));
  const databasePart = partOf('database');
  const databaseFile = join(deps.scratchDir, manifest.engine === 'sqlite' ? 'vigil.db' : 'database.pgdump');
  const progress = deps.onProgress;
  await readPart(deps.target, id, databasePart, deps.identity, databaseFile, progress ? (n) => progress(n, databasePart.cipherBytes) : undefined, deps.ageBinary);
  const auditEventsVerified = await checkDatabase(deps, manifest, databaseFile, ownKeys);
  return { manifest, databaseFile, keys, files, signingKeyId: signature.keyId, auditEventsVerified };
}

async function checkDatabase(deps: VerifyDeps, manifest: BackupManifest, file: string, keys: ReadonlyMap<string, string>): Promise<number> {
  const inspection = await deps.inspector(manifest.engine, file);
  try {
    if (inspection.integrityProblems.length > 0 || inspection.audit === null) {
      throw mismatch(`the database copy fails its integrity check: ${inspection.integrityProblems.slice(0, 3).join('; ')}`);
    }
    const facts = inspection.facts;
    if (facts.schemaVersion !== manifest.schemaVersion) throw mismatch(`schema version ${facts.schemaVersion}, the manifest says ${manifest.schemaVersion}`);
    const tables = new Set([...Object.keys(facts.rowCounts), ...Object.keys(manifest.rowCounts)]);
    for (const table of tables) {
      if (facts.rowCounts[table] !== manifest.rowCounts[table]) {
        throw mismatch(`table ${table} holds ${String(facts.rowCounts[table] ?? 'no')} rows, the manifest says ${String(manifest.rowCounts[table] ?? 'none')}`);
      }
    }
    if (JSON.stringify(facts.auditHead) !== JSON.stringify(manifest.auditHead)) throw mismatch('the audit head in the copy differs from the manifest');
    if (facts.lastTelemetryAt !== manifest.lastTelemetryAt) throw mismatch('the last telemetry time in the copy differs from the manifest');
    const reader = inspection.audit;
    const result = await verifyAuditLog({
      events: readAllStoredEvents(reader),
      checkpoints: await reader.checkpoints(),
      head: await reader.head(),
      publicKeys: keys,
      verifier: deps.verifier,
      policy: deps.auditPolicy ?? DEFAULT_AUDIT_POLICY,
    });
    if (!result.ok) throw mismatch(`the audit chain in the copy does not verify: ${result.message}`);
    if (result.lastSeq !== (manifest.auditHead?.seq ?? 0)) throw mismatch(`the audit chain ends at seq ${result.lastSeq}, the manifest head is ${manifest.auditHead?.seq ?? 0}`);
    return result.eventsVerified;
  } finally {
    await inspection.close();
  }
}

function mismatch(detail: string): AppError {
  return new AppError('BACKUP_CONTENT_MISMATCH', { detail });
}

/** The configuration's default checkpoint cadence (config/schema.ts audit.*), for callers that pass none. */
const DEFAULT_AUDIT_POLICY: CoveragePolicy = { checkpointEvery: 1000, checkpointIntervalSeconds: 60 };
