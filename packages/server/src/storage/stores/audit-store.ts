/**
 * AuditStore and AuditReader over kysely, for both dialects.
 * On PostgreSQL the head row is read FOR UPDATE, which serialises writers across nodes.
 * SQLite has one writer at a time by design.
 */
import { canonicalDetails, type AuditCheckpoint, type AuditOutcome, type AuditRecord } from '@vigil/protocol';
import type { AuditReader, AuditSearchStore, AuditStore, ChainHead, StoredAuditRecord } from '../../audit/index.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqlDialect } from '../dialect.js';
import type { Executor } from '../sql-database.js';
import type { AuditEventsTable } from '../tables.js';

/** SQLite allows 32766 bound parameters; 16 columns per row. */
const INSERT_CHUNK = 1000;

/**
 * `sqliteHandle`, when given, serves `readStoredAfter` with a raw (array-mode) prepared statement:
 * verification of a million events reads each row once, and row objects dominate its cost. It
 * also serves `insertEvents` with one prepared single-row INSERT run per event, on the same
 * connection and so in the caller's transaction: a group commit appends tens of events, and a
 * multi-row INSERT of that arity was compiled anew for each batch size.
 */
export function auditStore(db: Executor, dialect: SqlDialect, sqliteHandle?: BetterSqlite3.Database): AuditStore & AuditReader & AuditSearchStore {
  const bulk = sqliteHandle ? sqliteBulkReader(sqliteHandle) : undefined;
  return {
    async readHead() {
      let query = db.selectFrom('audit_head').selectAll().where('id', '=', 1);
      if (dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) throw new Error('audit head row is missing');
      return toHead(row);
    },
    async head() {
      const row = await db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
      return row ? toHead(row) : undefined;
    },
    async writeHead(head) {
      await db
        .updateTable('audit_head')
        .set({ seq: head.seq, hash: head.hash, checkpoint_seq: head.checkpointSeq, checkpoint_time: head.checkpointTime })
        .where('id', '=', 1)
        .execute();
    },
    async insertEvents(records) {
      if (sqliteHandle) {
        const insert = sqliteHandle.prepare(SQLITE_INSERT_EVENT);
        for (const r of records) {
          const row = toRow(r);
          insert.run(row.seq, row.event_id, row.time, row.actor_kind, row.actor_id, row.org_id, row.action, row.target_type, row.target_id, row.outcome, row.reason, row.request_id, row.source, row.details, row.prev_hash, row.hash);
        }
        return;
      }
      for (let i = 0; i < records.length; i += INSERT_CHUNK) {
        await db.insertInto('audit_events').values(records.slice(i, i + INSERT_CHUNK).map(toRow)).execute();
      }
    },
    async insertCheckpoint(cp) {
      await db.insertInto('audit_checkpoints').values({ seq: cp.seq, hash: cp.hash, time: cp.time, key_id: cp.keyId, signature: cp.signature }).execute();
    },
    async readAfter(afterSeq, limit) {
      const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      return rows.map(fromRow);
    },
    async readStoredAfter(afterSeq, limit) {
      if (bulk) return bulk(afterSeq, limit);
      const rows = await db.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      return rows.map(fromRowStored);
    },
    async checkpoints() {
      const rows = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
      return rows.map(fromCheckpointRow);
    },
    async checkpointsAfter(afterSeq) {
      const rows = await db.selectFrom('audit_checkpoints').selectAll().where('seq', '>', afterSeq).orderBy('seq').execute();
      return rows.map(fromCheckpointRow);
    },
    async search(q) {
      let query = db.selectFrom('audit_events').selectAll();
      if (q.orgId !== undefined) query = query.where('org_id', '=', q.orgId);
      if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
      if (q.action !== undefined) query = query.where('action', '=', q.action);
      if (q.targetType !== undefined) query = query.where('target_type', '=', q.targetType);
      if (q.targetId !== undefined) query = query.where('target_id', '=', q.targetId);
      if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
      if (q.requestId !== undefined) query = query.where('request_id', '=', q.requestId);
      if (q.from !== undefined) query = query.where('time', '>=', q.from);
      if (q.to !== undefined) query = query.where('time', '<', q.to);
      if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
      const rows = await query.orderBy('seq', 'desc').limit(q.limit).execute();
      return rows.map(fromRow);
    },
    async count() {
      const row = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async maxSeq() {
      const row = await db.selectFrom('audit_events').select((eb) => eb.fn.max<number | string | null>('seq').as('m')).executeTakeFirst();
      return Number(row?.m ?? 0);
    },
  };
}

function fromCheckpointRow(r: { seq: number; hash: string; time: string; key_id: string; signature: string }): AuditCheckpoint {
  return { seq: Number(r.seq), hash: r.hash, time: r.time, keyId: r.key_id, signature: r.signature };
}

function toHead(row: { seq: number; hash: string; checkpoint_seq: number; checkpoint_time: string | null }): ChainHead {
  return { seq: Number(row.seq), hash: row.hash, checkpointSeq: Number(row.checkpoint_seq), checkpointTime: row.checkpoint_time };
}

const SQLITE_INSERT_EVENT =
  'INSERT INTO audit_events (seq, event_id, time, actor_kind, actor_id, org_id, action, target_type, target_id, outcome, reason, request_id, source, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export function toRow(r: AuditRecord): AuditEventsTable {
  return {
    seq: r.seq,
    event_id: r.eventId,
    time: r.time,
    actor_kind: r.actorKind,
    actor_id: r.actorId,
    org_id: r.orgId,
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    outcome: r.outcome,
    reason: r.reason,
    request_id: r.requestId,
    source: r.source,
    details: canonicalDetails(r.details),
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

function fromRow(r: AuditEventsTable): AuditRecord {
  return { ...fromRowStored(r), details: JSON.parse(r.details) as AuditRecord['details'] };
}

function fromRowStored(r: AuditEventsTable): StoredAuditRecord {
  return {
    seq: Number(r.seq),
    eventId: r.event_id,
    time: r.time,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    orgId: r.org_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome as AuditOutcome,
    reason: r.reason,
    requestId: r.request_id,
    source: r.source,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const STORED_COLUMNS =
  'seq, event_id, time, actor_kind, actor_id, org_id, action, target_type, target_id, outcome, reason, request_id, source, details, prev_hash, hash';

type RawRow = [number, string, string, string, string, string | null, string, string, string, string, string | null, string, string, string, string, string];

function sqliteBulkReader(handle: BetterSqlite3.Database): (afterSeq: number, limit: number) => StoredAuditRecord[] {
  const statement = handle.prepare(`SELECT ${STORED_COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true);
  return (afterSeq, limit) =>
    (statement.all(afterSeq, limit) as RawRow[]).map((r) => ({
      seq: r[0],
      eventId: r[1],
      time: r[2],
      actorKind: r[3],
      actorId: r[4],
      orgId: r[5],
      action: r[6],
      targetType: r[7],
      targetId: r[8],
      outcome: r[9] as AuditOutcome,
      reason: r[10],
      requestId: r[11],
      source: r[12],
      details: r[13],
      prevHash: r[14],
      hash: r[15],
    }));
}
