/** What an attacker with the public format and write access to the SQLite file can do to the chain. */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalAuditRecord, canonicalDetails } from '@vigil/protocol';

export interface Row {
  seq: number;
  [k: string]: unknown;
}

export function rowAt(db: Database.Database, seq: number): Row {
  return db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as Row;
}

/** Recomputes the hash of a raw row (the attacker knows the public format). */
export function rehash(row: Row): string {
  const canonical = canonicalAuditRecord({
    seq: row.seq,
    eventId: row['event_id'] as string,
    time: row['time'] as string,
    actorKind: row['actor_kind'] as string,
    actorId: row['actor_id'] as string,
    orgId: row['org_id'] as string | null,
    action: row['action'] as string,
    targetType: row['target_type'] as string,
    targetId: row['target_id'] as string,
    outcome: row['outcome'] as 'success',
    reason: row['reason'] as string | null,
    requestId: row['request_id'] as string,
    source: row['source'] as string,
    details: canonicalDetails(JSON.parse(row['details'] as string) as Record<string, string>),
    prevHash: row['prev_hash'] as string,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** Re-chains every event from `from` on (after an edit there) and moves the head's hash along. */
export function rehashFrom(db: Database.Database, from: number): void {
  let prev = rowAt(db, from - 1)['hash'] as string;
  const last = (db.prepare('SELECT max(seq) AS m FROM audit_events').get() as { m: number }).m;
  for (let seq = from; seq <= last; seq += 1) {
    const row = { ...rowAt(db, seq), prev_hash: prev };
    const hash = rehash(row);
    db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, seq);
    prev = hash;
  }
  db.prepare('UPDATE audit_head SET hash = ?').run(prev);
}
