/** The AuditStore / AuditReader contract: every adapter must pass it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { AUDIT_GENESIS_HASH, type AuditRecord } from '@vigil/protocol';
import { AuditLog } from '../../audit/index.js';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../../kernel/index.js';
import { auditStore } from '../stores/audit-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'req-1', source: 'local' };

function record(seq: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq,
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    time: '2026-01-01T00:00:00.000Z',
    actorKind: 'system',
    actorId: 'system',
    orgId: null,
    action: 'test.event.write',
    targetType: 'thing',
    targetId: `t${seq}`,
    outcome: 'success',
    reason: null,
    requestId: 'req',
    source: 'local',
    details: { n: seq, ok: true, label: 'x' },
    prevHash: AUDIT_GENESIS_HASH,
    hash: 'a'.repeat(64),
    ...over,
  };
}

const noSigner = () => {
  throw new Error('no checkpoint expected in this test');
};

export function auditStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/a new store has the genesis head and no events', () =>
    withTestDatabase(open, async (t) => {
      const store = auditStore(t.database.db, t.database.dialect);
      assert.deepEqual(await store.readHead(), { seq: 0, hash: AUDIT_GENESIS_HASH, checkpointSeq: 0, checkpointTime: null });
      assert.equal(await store.count(), 0);
      assert.equal(await store.maxSeq(), 0);
      assert.deepEqual(await store.readAfter(0, 10), []);
      assert.deepEqual(await store.checkpoints(), []);
    }));

  test('ok/events round-trip in seq order with their details and numeric types', () =>
    withTestDatabase(open, async (t) => {
      const store = auditStore(t.database.db, t.database.dialect);
      const rows = [record(1), record(2, { orgId: 'org-1', reason: 'because', outcome: 'denied' }), record(3)];
      await store.insertEvents([rows[2]!, rows[0]!, rows[1]!]);
      assert.deepEqual(await store.readAfter(0, 10), rows);
      assert.deepEqual(await store.readAfter(1, 1), [rows[1]]);
      assert.equal(await store.count(), 3);
      assert.equal(await store.maxSeq(), 3);
    }));

  test('ok/search filters by organization, actor, action, target, outcome, request, time; newest first; the seq cursor pages back', () =>
    withTestDatabase(open, async (t) => {
      const store = auditStore(t.database.db, t.database.dialect);
      const rows = [
        record(1, { orgId: 'org-a', actorId: 'u1', requestId: 'r1', time: '2026-01-01T00:00:01.000Z' }),
        record(2, { orgId: 'org-b', actorId: 'u2', requestId: 'r2', time: '2026-01-01T00:00:02.000Z' }),
        record(3, { orgId: 'org-a', actorId: 'u1', action: 'test.event.read', outcome: 'denied', requestId: 'r3', time: '2026-01-01T00:00:03.000Z' }),
        record(4, { orgId: null, actorId: 'system', requestId: 'r3', targetType: 'other', targetId: 'o4', time: '2026-01-01T00:00:04.000Z' }),
      ];
      await store.insertEvents(rows);
      const seqs = async (q: Parameters<typeof store.search>[0]) => (await store.search(q)).map((r) => r.seq);
      assert.deepEqual(await seqs({ limit: 10 }), [4, 3, 2, 1]);
      assert.deepEqual(await seqs({ orgId: 'org-a', limit: 10 }), [3, 1]);
      assert.deepEqual(await seqs({ actorId: 'u1', action: 'test.event.read', limit: 10 }), [3]);
      assert.deepEqual(await seqs({ outcome: 'denied', limit: 10 }), [3]);
      assert.deepEqual(await seqs({ requestId: 'r3', limit: 10 }), [4, 3]);
      assert.deepEqual(await seqs({ targetType: 'other', targetId: 'o4', limit: 10 }), [4]);
      assert.deepEqual(await seqs({ from: '2026-01-01T00:00:02.000Z', to: '2026-01-01T00:00:04.000Z', limit: 10 }), [3, 2]);
      assert.deepEqual(await seqs({ beforeSeq: 3, limit: 1 }), [2]);
      assert.deepEqual((await store.search({ orgId: 'org-b', limit: 10 }))[0], rows[1]);
    }));

  test('ok/checkpointsAfter lists the checkpoints beyond a seq, ascending', () =>
    withTestDatabase(open, async (t) => {
      const store = auditStore(t.database.db, t.database.dialect);
      await store.insertEvents([record(1), record(2), record(3)]);
      const cp = (seq: number) => ({ seq, hash: 'b'.repeat(64), time: '2026-01-01T00:00:00.000Z', keyId: 'k', signature: 's' });
      for (const seq of [3, 1, 2]) await store.insertCheckpoint(cp(seq));
      assert.deepEqual((await store.checkpointsAfter(1)).map((c) => c.seq), [2, 3]);
      assert.deepEqual(await store.checkpointsAfter(3), []);
    }));

  test('ok/events written through the SQLite prepared path read back as through kysely, and roll back with the transaction', () =>
    withTestDatabase(open, async (t) => {
      const fast = auditStore(t.database.db, t.database.dialect, t.database.sqliteHandle);
      const rows = [record(1, { details: { z: 1, a: 'x' } }), record(2, { orgId: 'org-1', reason: 'because', outcome: 'denied' })];
      await fast.insertEvents(rows);
      assert.deepEqual(await auditStore(t.database.db, t.database.dialect).readAfter(0, 10), rows);
      await assert.rejects(
        t.database.db.transaction().execute(async (trx) => {
          await auditStore(trx, t.database.dialect, t.database.sqliteHandle).insertEvents([record(3)]);
          throw new Error('the caller fails after the append');
        }),
        /the caller fails/,
      );
      assert.equal(await fast.maxSeq(), 2);
      await assert.rejects(fast.insertEvents([record(2)]), 'a seq is stored once');
    }));

  test('ok/readStoredAfter returns the stored canonical details text, on every read path', () =>
    withTestDatabase(open, async (t) => {
      const plain = auditStore(t.database.db, t.database.dialect);
      const fast = auditStore(t.database.db, t.database.dialect, t.database.sqliteHandle);
      await plain.insertEvents([record(1, { details: { z: 1, a: 'x', m: null } }), record(2)]);
      const stored = await plain.readStoredAfter(0, 10);
      assert.equal(stored[0]?.details, '{"a":"x","m":null,"z":1}', 'keys sorted, as hashed');
      assert.deepEqual(await fast.readStoredAfter(0, 10), stored);
      assert.deepEqual(await fast.readStoredAfter(1, 10), stored.slice(1));
      assert.deepEqual((await plain.readAfter(0, 1))[0]?.details, { a: 'x', m: null, z: 1 });
    }));

  test('ok/head and checkpoints round-trip', () =>
    withTestDatabase(open, async (t) => {
      const store = auditStore(t.database.db, t.database.dialect);
      const head = { seq: 7, hash: 'b'.repeat(64), checkpointSeq: 5, checkpointTime: '2026-01-01T00:00:01.000Z' };
      await store.writeHead(head);
      assert.deepEqual(await store.readHead(), head);
      assert.deepEqual(await store.head(), head);
      const cps = [
        { seq: 5, hash: 'c'.repeat(64), time: 't2', keyId: 'k1', signature: 'c2ln' },
        { seq: 2, hash: 'd'.repeat(64), time: 't1', keyId: 'k1', signature: 'c2ln' },
      ];
      for (const cp of cps) await store.insertCheckpoint(cp);
      assert.deepEqual(await store.checkpoints(), [cps[1], cps[0]]);
    }));

  test('fail/events and checkpoints are append-only: update and delete are refused', () =>
    withTestDatabase(open, async (t) => {
      const { db } = t.database;
      const store = auditStore(db, t.database.dialect);
      await store.insertEvents([record(1)]);
      await store.insertCheckpoint({ seq: 1, hash: 'e'.repeat(64), time: 't', keyId: 'k', signature: 's' });
      await assert.rejects(db.updateTable('audit_events').set({ action: 'x.y' }).where('seq', '=', 1).execute(), /append-only/);
      await assert.rejects(db.deleteFrom('audit_events').where('seq', '=', 1).execute(), /append-only/);
      await assert.rejects(db.updateTable('audit_checkpoints').set({ signature: 'forged' }).execute(), /append-only/);
      await assert.rejects(db.deleteFrom('audit_checkpoints').execute(), /append-only/);
      await assert.rejects(store.insertEvents([record(1)]), 'a duplicate seq is refused');
      assert.equal(await store.count(), 1);
    }));

  test('ok/a rolled-back transaction leaves no events and the head unchanged', () =>
    withTestDatabase(open, async (t) => {
      const { db, dialect } = t.database;
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          const store = auditStore(trx, dialect);
          await store.insertEvents([record(1)]);
          await store.writeHead({ seq: 1, hash: 'f'.repeat(64), checkpointSeq: 0, checkpointTime: null });
          throw new Error('business rule failed');
        }),
        /business rule failed/,
      );
      const store = auditStore(db, dialect);
      assert.equal(await store.count(), 0);
      assert.equal((await store.readHead()).seq, 0);
    }));

  test('ok/concurrent transactions chain in order without gaps', () =>
    withTestDatabase(open, async (t) => {
      const { db, dialect } = t.database;
      const log = new AuditLog({ signer: noSigner, clock: new ManualClock(), checkpointEvery: 1_000_000, checkpointIntervalSeconds: 60 });
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          db.transaction().execute((trx) =>
            log.append(auditStore(trx, dialect), ctx, [
              { action: 'test.event.write', target: { type: 'thing', id: `a${i}` }, outcome: 'success' },
              { action: 'test.event.write', target: { type: 'thing', id: `b${i}` }, outcome: 'success' },
            ]),
          ),
        ),
      );
      const events = await auditStore(db, dialect).readAfter(0, 100);
      assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 24 }, (_, i) => i + 1));
      for (let i = 1; i < events.length; i += 1) assert.equal(events[i]!.prevHash, events[i - 1]!.hash);
      const head = await auditStore(db, dialect).readHead();
      assert.equal(head.seq, 24);
      assert.equal(head.hash, events[23]!.hash);
    }));

  test('ok/the database answers a trivial query (adapter smoke)', () =>
    withTestDatabase(open, async (t) => {
      const result = await sql<{ one: number }>`select 1 as one`.execute(t.database.db);
      assert.equal(Number(result.rows[0]?.one), 1);
      assert.equal(await t.database.ping(), true);
    }));
}
