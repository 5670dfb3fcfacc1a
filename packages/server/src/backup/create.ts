/**
 * Taking a backup: one consistent snapshot, then for each target its encrypted parts and, last,
 * its signed manifest. A target that fails does not stop the others; its partial objects are
 * left without a manifest (never listed) and removed when possible.
 *
 * MUST: every part is age-encrypted to the recovery recipient before it leaves the process.
 * MUST: the manifest records the audit head and row counts read inside the snapshot, and is
 *       signed with the audit-signing key.
 * MUST: the live master key is never written into a backup (carried-files.ts, keys/recovery-key-store.ts).
 * MUST: a target that resumes uploads (S3: `putFile`) gets the database part from a ciphertext
 *       that does not change between attempts: the file a directory target of this backup
 *       already holds (directory targets go first), else an encrypted copy in the staging folder
 *       (the data directory's backup-staging/), removed when the backup ends (or, after a crash,
 *       by the next backup: scratch.ts).
 */
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ageEncryptFileTo, type AgeFileDigests, type RecoveryKeyStore, type Signer } from '../keys/index.js';
import type { Clock } from '../kernel/index.js';
import { serializeFiles, serializeKeys, FILES_PART, KEYS_PART, type CarriedFile } from './carried-files.js';
import { backupIdAt, canonicalManifest, serializeSignedManifest, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, type BackupManifest, type BackupPart } from './model.js';
import { writeFilePart, writePart } from './part-stream.js';
import { makeScratchDir } from './scratch.js';
import type { DatabaseFacts, DatabaseSnapshot, SnapshotSource } from './store.js';
import type { BackupTarget } from './target.js';

export interface CreateDeps {
  readonly source: SnapshotSource;
  readonly targets: readonly BackupTarget[];
  readonly signer: () => Signer;
  /** age recipients: the offline recovery key, and the server's drill key if any. */
  readonly recipients: readonly string[];
  readonly recoveryKeyStore: () => Promise<RecoveryKeyStore>;
  readonly carriedFiles: () => Promise<CarriedFile[]>;
  /** A private (0700) folder for the snapshot copy. */
  readonly stagingDir: string;
  readonly clock: Clock;
  readonly vigilVersion: string;
  /** Path of the `age` tool to encrypt the database part with (faster); default: the age-encryption library. */
  readonly ageBinary?: string | undefined;
  /** Longest time one target may take (default one hour); past it the target counts as failed. */
  readonly targetTimeoutMs?: number;
  /** Bytes of the database part read so far, and its size (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TargetOutcome {
  readonly target: string;
  readonly ok: boolean;
  readonly bytes: number;
  readonly error?: string;
}

export interface CreateResult {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly facts: DatabaseFacts;
  /** Time the consistent snapshot took (the rest is encryption and upload). */
  readonly snapshotMs: number;
  readonly outcomes: readonly TargetOutcome[];
}

export async function createBackup(deps: CreateDeps): Promise<CreateResult> {
  const started = deps.clock.now();
  const id = backupIdAt(started, randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6));
  const staging = await makeScratchDir(deps.stagingDir, `${id}-`);
  let snapshot: DatabaseSnapshot | undefined;
  try {
    const snapshotStart = performance.now();
    snapshot = await deps.source.snapshot(staging);
    const snapshotMs = Math.round(performance.now() - snapshotStart);
    const keys = serializeKeys(await deps.recoveryKeyStore());
    const files = serializeFiles(await deps.carriedFiles());
    const databasePart = deps.source.engine === 'sqlite' ? 'database.sqlite.age' : 'database.pgdump.age';
    const outcomes = new Map<BackupTarget, TargetOutcome>();
    const stable = new StableCiphertext(deps, snapshot.file, join(staging, databasePart));
    // Directory targets first: the ciphertext one of them holds is the resumable uploads' source.
    const order = [...deps.targets.filter((t) => t.putFile === undefined), ...deps.targets.filter((t) => t.putFile !== undefined)];
    for (const target of order) {
      const timedOut = new AbortController();
      const outcome = await withTimeout(writeToTarget(deps, target, id, started, snapshot, databasePart, keys, files, stable, timedOut.signal), deps.targetTimeoutMs ?? 3_600_000, target, id, timedOut);
      outcomes.set(target, outcome);
    }
    const ordered = deps.targets.map((t) => outcomes.get(t)).filter((o): o is TargetOutcome => o !== undefined);
    return { id, startedAt: started.toISOString(), finishedAt: deps.clock.now().toISOString(), facts: await snapshot.facts, snapshotMs, outcomes: ordered };
  } finally {
    await snapshot?.remove();
    await rm(staging, { recursive: true, force: true });
  }
}

async function writeToTarget(
  deps: CreateDeps,
  target: BackupTarget,
  id: string,
  started: Date,
  snapshot: DatabaseSnapshot,
  databasePart: string,
  keys: string,
  files: string,
  stable: StableCiphertext,
  signal: AbortSignal,
): Promise<TargetOutcome> {
  try {
    // Uploads a crashed run left incomplete: older than the longest an upload may take (twice the
    // target timeout). Best effort: a store that cannot list them (s3rver) is not a failed backup.
    await target.abortStaleUploads?.(new Date(deps.clock.now().getTime() - 2 * (deps.targetTimeoutMs ?? 3_600_000)))?.catch(() => 0);
    const parts: BackupPart[] = [];
    const total = (await stat(snapshot.file)).size;
    const progress = deps.onProgress;
    const key = `${id}/${databasePart}`;
    if (target.putFile !== undefined) {
      const source = await stable.get(progress ? (n) => progress(n, total) : undefined);
      await target.putFile(key, source.file, signal);
      parts.push({ ...source.part, name: databasePart });
    } else {
      parts.push(await writeFilePart(target, id, databasePart, snapshot.file, deps.recipients, progress ? (n) => progress(n, total) : undefined, deps.ageBinary, signal));
    }
    parts.push(await writePart(target, id, KEYS_PART, Readable.from([Buffer.from(keys, 'utf8')]), deps.recipients));
    parts.push(await writePart(target, id, FILES_PART, Readable.from([Buffer.from(files, 'utf8')]), deps.recipients));
    const facts = await snapshot.facts;
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      id,
      vigilVersion: deps.vigilVersion,
      schemaVersion: facts.schemaVersion,
      engine: deps.source.engine,
      startedAt: started.toISOString(),
      createdAt: deps.clock.now().toISOString(),
      auditHead: facts.auditHead,
      rowCounts: facts.rowCounts,
      lastTelemetryAt: facts.lastTelemetryAt,
      recipients: deps.recipients,
      parts,
    };
    const signer = deps.signer();
    const signature = Buffer.from(signer.sign(Buffer.from(canonicalManifest(manifest), 'utf8'))).toString('base64');
    const text = serializeSignedManifest({ manifest, signature: { keyId: signer.keyId, value: signature } });
    await target.put(`${id}/${MANIFEST_FILE}`, Readable.from([Buffer.from(text, 'utf8')]));
    const [database] = parts;
    if (target.localFile !== undefined && database !== undefined) stable.offer(target.localFile(key), database);
    return { target: target.name, ok: true, bytes: parts.reduce((sum, p) => sum + p.cipherBytes, 0) };
  } catch (error) {
    // No manifest was written: the partial backup is never listed. Remove what is there if we can.
    await target.removeBackup(id).catch(() => undefined);
    return { target: target.name, ok: false, bytes: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The database part's ciphertext for resumable uploads, the same bytes on every attempt: the file
 * a directory target of this backup completed, else one encryption into the staging folder.
 */
class StableCiphertext {
  #ready: { file: string; part: BackupPart } | undefined;

  constructor(
    private readonly deps: CreateDeps,
    private readonly plaintextFile: string,
    private readonly stagingFile: string,
  ) {}

  offer(file: string, part: BackupPart): void {
    this.#ready ??= { file, part };
  }

  async get(onProgress?: (bytes: number) => void): Promise<{ file: string; part: BackupPart }> {
    if (this.#ready !== undefined) return this.#ready;
    let d: AgeFileDigests;
    try {
      // Written by the encryption worker; not fsynced: it lives only as long as this backup.
      d = await ageEncryptFileTo(this.plaintextFile, this.stagingFile, this.deps.recipients, { binary: this.deps.ageBinary, onProgress, fsync: false });
    } catch (error) {
      await rm(this.stagingFile, { force: true });
      throw error;
    }
    const part: BackupPart = { name: '', plainSha256: d.plainSha256, plainBytes: d.plainBytes, cipherSha256: d.cipherSha256, cipherBytes: d.cipherBytes };
    this.#ready = { file: this.stagingFile, part };
    return this.#ready;
  }
}

/** A target that hangs counts as failed; what it wrote has no manifest, so it is never listed. */
async function withTimeout(work: Promise<TargetOutcome>, ms: number, target: BackupTarget, id: string, controller: AbortController): Promise<TargetOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<TargetOutcome>((resolve) => {
    timer = setTimeout(() => {
      // A resumable upload still running stops and is aborted, so no object of it appears later.
      controller.abort(new Error(`the target timed out after ${ms} ms`));
      void target.removeBackup(id).catch(() => undefined);
      resolve({ target: target.name, ok: false, bytes: 0, error: `timed out after ${ms} ms` });
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
