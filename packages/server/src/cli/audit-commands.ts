/**
 * `vigil audit verify|export|checkpoint`.
 *
 * MUST: verify needs no master key and opens SQLite read-only: it proves integrity offline.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AuditRecord } from '@vigil/protocol';
import { auditKeysFromList, exportJsonl, parseJsonlExport, readAllStoredEvents, restrictToSupplied, verifyAuditLog, type VerifyResult } from '../audit/index.js';
import { resolveDataDir, type Config } from '../config/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import { auditStore, openDatabase } from '../storage/index.js';

export interface AuditVerifyOptions {
  readonly config: Config;
  /** Verify an exported JSONL file instead of the live store. */
  readonly file?: string | undefined;
  /** PEM files of trusted audit-signing public keys (default: the data directory's list). */
  readonly publicKeyFiles?: readonly string[];
}

export async function runAuditVerify(options: AuditVerifyOptions): Promise<VerifyResult> {
  const supplied = await Promise.all((options.publicKeyFiles ?? []).map((f) => readText(f, 'public key')));
  if (options.file !== undefined) {
    if (supplied.length === 0) throw new AppError('VALIDATION_FAILED', { detail: 'audit verify --file needs --public-key PEM' });
    const { events, checkpoints } = parseJsonlExport(await readText(options.file, 'export'));
    return verifyAuditLog({
      events: iterate(events),
      checkpoints,
      publicKeys: restrictToSupplied(undefined, supplied, checkpoints.map((c) => c.keyId)),
      verifier: ed25519Verifier,
    });
  }
  const dataDir = resolveDataDir(options.config.dataDir);
  const listed = auditKeysFromList(await readText(keyStorePaths(dataDir).publicKeysFile, 'public key list'));
  const publicKeys = supplied.length > 0 ? restrictToSupplied(listed, supplied, []) : listed;
  const database = await openDatabase({ dataDir, databaseUrl: options.config.databaseUrl, readonly: true });
  try {
    const reader = auditStore(database.db, database.dialect);
    return await verifyAuditLog({
      events: readAllStoredEvents(reader, 10_000),
      checkpoints: await reader.checkpoints(),
      head: await reader.head(),
      publicKeys,
      verifier: ed25519Verifier,
    });
  } finally {
    await database.close();
  }
}

export async function runAuditExport(config: Config, output: string | undefined): Promise<number> {
  const dataDir = resolveDataDir(config.dataDir);
  const database = await openDatabase({ dataDir, databaseUrl: config.databaseUrl, readonly: true });
  const sink: Writable = output === undefined ? process.stdout : createWriteStream(output, { mode: 0o600 });
  let lines = 0;
  try {
    for await (const line of exportJsonl(auditStore(database.db, database.dialect))) {
      lines += 1;
      if (!sink.write(line)) await once(sink, 'drain');
    }
  } finally {
    await database.close();
    if (sink !== process.stdout) {
      sink.end();
      await once(sink, 'finish');
    }
  }
  return lines;
}

async function* iterate(events: readonly AuditRecord[]): AsyncGenerator<AuditRecord> {
  for (const e of events) yield e;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', { detail: `cannot read ${what} ${path}`, cause });
  }
}
