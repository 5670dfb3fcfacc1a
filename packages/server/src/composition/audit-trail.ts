/**
 * Wiring of the audit trail's outside witnesses (issue 11, item 1): signing the tail a crash or a
 * CLI verb left, and appending each committed checkpoint to the witness file and the operator's
 * syslog/SIEM collector. See audit/witness.ts for the rules and docs/audit-format.md.
 *
 * MUST: only committed checkpoints are witnessed: they are read back from the database.
 * MUST: the witness file is appended (never rewritten), created 0600, and synced before the
 *       checkpoints go to syslog; a syslog failure is reported, and the file stays the record.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AuditCheckpoint } from '@vigil/protocol';
import { sendSyslogMessage, SYSLOG_APP_NAME, SYSLOG_SD_ID, type SyslogConfig } from '../alerts/index.js';
import {
  auditKeysFromList,
  checkWitness,
  parseWitness,
  readAllStoredEvents,
  snapshotBound,
  verifyAuditLog,
  WITNESS_FILE_NAME,
  witnessLagSeconds,
  witnessLine,
  type AuditLog,
  type AuditReader,
  type AuditStore,
  type VerifyResult,
} from '../audit/index.js';
import { AuditLogService, type AuditLogScope } from '../compliance/index.js';
import type { Config } from '../config/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import type { Platform } from '../main.js';
import { auditStore, type Executor, type SqlDatabase } from '../storage/index.js';
import { SqlUnitOfWork } from '../storage/index.js';

/** Signs the events no checkpoint covers yet (at start: a crash's tail; at close: a CLI verb's events). */
export async function signUnsignedTail(database: SqlDatabase, auditLog: AuditLog, scoped: (executor: Executor) => AuditStore): Promise<void> {
  try {
    await new SqlUnitOfWork(database, scoped).run((store) => auditLog.checkpointIfDue(store, true));
  } catch (error) {
    process.stderr.write(`vigil: could not sign the audit tail: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export function witnessPath(config: Config, dataDir: string): string {
  return config.audit.witnessFile !== '' ? config.audit.witnessFile : join(dataDir, WITNESS_FILE_NAME);
}

/** The seq of the last complete checkpoint line of the witness file (0 when there is none). */
export async function lastWitnessedSeq(path: string): Promise<{ seq: number; endsWithNewline: boolean }> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return { seq: 0, endsWithNewline: true };
  }
  if (size === 0) return { seq: 0, endsWithNewline: true };
  const handle = await open(path, 'r');
  try {
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    for (const line of text.split('\n').reverse()) {
      try {
        const value = JSON.parse(line) as { kind?: unknown; seq?: unknown };
        if (value.kind === 'checkpoint' && typeof value.seq === 'number') return { seq: value.seq, endsWithNewline: text.endsWith('\n') };
      } catch {
        // a torn line (a write cut by a crash): look further back
      }
    }
    return { seq: 0, endsWithNewline: text.endsWith('\n') };
  } finally {
    await handle.close();
  }
}

export type CheckpointForwarder = (checkpoints: readonly AuditCheckpoint[]) => Promise<void>;

/**
 * Appends the checkpoints committed since the witness file's last line, then forwards them.
 * Returns what was appended.
 */
export async function witnessCheckpoints(config: Config, dataDir: string, reader: () => AuditReader, forward?: CheckpointForwarder): Promise<AuditCheckpoint[]> {
  const path = witnessPath(config, dataDir);
  const last = await lastWitnessedSeq(path);
  const fresh = await reader().checkpointsAfter(last.seq);
  if (fresh.length === 0) return [];
  const handle = await open(path, 'a', 0o600);
  try {
    // One write: appends of one write() do not interleave with another process's (O_APPEND).
    await handle.appendFile(`${last.endsWithNewline ? '' : '\n'}${fresh.map(witnessLine).join('')}`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (forward) await forward(fresh);
  return fresh;
}

/** RFC 5424 message for one checkpoint: severity 6 (informational), MSGID audit-checkpoint. */
export function formatCheckpointRfc5424(cp: AuditCheckpoint, facility: number, time: Date, host = hostname()): string {
  const sd = `[${SYSLOG_SD_ID} seq="${cp.seq}" hash="${cp.hash}" time="${cp.time}" keyId="${cp.keyId.replace(/[\\"\]]/g, '')}" signature="${cp.signature}"]`;
  const hostField = host.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  return `<${facility * 8 + 6}>1 ${time.toISOString()} ${hostField} ${SYSLOG_APP_NAME} ${process.pid} audit-checkpoint ${sd} \ufeffaudit checkpoint seq ${cp.seq}`;
}

/** The syslog forwarder of `audit.witnessSyslog`, or undefined when none is configured. */
export function syslogCheckpointForwarder(config: Config, now: () => Date = () => new Date()): CheckpointForwarder | undefined {
  const target = config.audit.witnessSyslog;
  if (!target) return undefined;
  const syslog: SyslogConfig = {
    host: target.host,
    port: target.port,
    transport: target.transport,
    facility: target.facility,
    caPem: target.caFile !== undefined ? readFileSync(target.caFile, 'utf8') : null,
    timeoutMs: target.timeoutMs,
    insecure: target.insecure,
  };
  return async (checkpoints) => {
    for (const cp of checkpoints) await sendSyslogMessage(syslog, formatCheckpointRfc5424(cp, target.facility, now()));
  };
}


/**
 * Verifies the live log as `vigil audit verify` does (chain, checkpoints, coverage, and the witness
 * file when there is one), trusting the data directory's public key list. For the console's
 * verification state; it reads in batches, so the event loop keeps serving meanwhile.
 */
export async function verifyLiveLog(w: { config: Config; dataDir: string; reader: () => AuditReader; now?: () => Date }): Promise<VerifyResult> {
  const reader = w.reader();
  const publicKeys = auditKeysFromList(await readFile(keyStorePaths(w.dataDir).publicKeysFile, 'utf8'));
  const head = await reader.head();
  const checkpoints = await reader.checkpoints();
  const upTo = Math.min(await reader.maxSeq(), snapshotBound(head, checkpoints));
  const witnessText = await readFile(witnessPath(w.config, w.dataDir), 'utf8').catch(() => undefined);
  const witness =
    witnessText === undefined
      ? undefined
      : checkWitness({ witness: parseWitness(witnessText), checkpoints, publicKeys, verifier: ed25519Verifier, now: (w.now ?? (() => new Date()))(), lagSeconds: witnessLagSeconds(w.config.audit) });
  return verifyAuditLog({ events: readAllStoredEvents(reader, 10_000, upTo), checkpoints, head, publicKeys, verifier: ed25519Verifier, policy: w.config.audit, witness });
}

/** The audit log's reviewers' service (GET /api/v1/audit/*). */
export function wireAuditLogService(platform: Platform): AuditLogService {
  const { database, auditLog, config, dataDir, clock } = platform;
  const scope = (executor: Executor): AuditLogScope => {
    const store = auditStore(executor, database.dialect);
    return { events: store, audit: auditLog.writer(store) };
  };
  return new AuditLogService({
    uow: new SqlUnitOfWork(database, scope),
    reader: () => auditStore(database.db, database.dialect, database.sqliteHandle),
    verify: () => verifyLiveLog({ config, dataDir, reader: platform.auditReader, now: () => clock.now() }),
    clock,
  });
}
