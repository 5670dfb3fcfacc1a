/** AuditLog with an in-memory store: chaining, checkpoint cadence, coded-schema checks, fail closed. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { AUDIT_GENESIS_HASH, checkpointSigningPayload, type AuditCheckpoint, type AuditRecord } from '@vigil/protocol';
import { isAppError, ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import type { Signer } from '../keys/index.js';
import { AuditLog } from './log.js';
import { hashRecord, type AuditEventInput, type ChainHead } from './model.js';
import type { AuditStore } from './store.js';

class MemoryAuditStore implements AuditStore {
  head: ChainHead = { seq: 0, hash: AUDIT_GENESIS_HASH, checkpointSeq: 0, checkpointTime: null };
  events: AuditRecord[] = [];
  checkpoints: AuditCheckpoint[] = [];
  failInsert = false;
  readHead = () => Promise.resolve(this.head);
  writeHead = (head: ChainHead) => {
    this.head = head;
    return Promise.resolve();
  };
  insertEvents = (records: readonly AuditRecord[]) => {
    if (this.failInsert) return Promise.reject(new Error('disk full'));
    this.events.push(...records);
    return Promise.resolve();
  };
  insertCheckpoint = (cp: AuditCheckpoint) => {
    this.checkpoints.push(cp);
    return Promise.resolve();
  };
}

// A test signer over a throwaway key (the real one lives in keys/, tested there).
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer: Signer = {
  keyId: 'audit-0000000000000001',
  algorithm: 'Ed25519',
  sign: (data) => sign(null, data, privateKey),
  publicKeyPem: () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'r1', source: '10.1.2.3' };
const ev = (i: number, over: Partial<AuditEventInput> = {}): AuditEventInput => ({
  action: 'test.thing.change',
  target: { type: 'thing', id: `t${i}` },
  outcome: 'success',
  ...over,
});

function setup(checkpointEvery = 3, checkpointIntervalSeconds = 60) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryAuditStore();
  const log = new AuditLog({ signer: () => signer, clock, checkpointEvery, checkpointIntervalSeconds });
  return { clock, store, log };
}

test('ok/events chain from the genesis hash and carry the context', async () => {
  const { store, log } = setup(100);
  await log.append(store, ctx, [ev(1), ev(2, { reason: 'break_glass', orgId: 'org-1', details: { fields: 'name,birthDate' } })]);
  const [a, b] = store.events;
  assert.ok(a && b);
  assert.equal(a.seq, 1);
  assert.equal(a.prevHash, AUDIT_GENESIS_HASH);
  assert.equal(b.prevHash, a.hash);
  assert.equal(b.hash, hashRecord(b));
  assert.equal(b.actorKind, 'system');
  assert.equal(b.source, '10.1.2.3');
  assert.equal(b.requestId, 'r1');
  assert.equal(b.reason, 'break_glass');
  assert.equal(store.head.seq, 2);
  assert.equal(store.head.hash, b.hash);
});

test('ok/a checkpoint every N events, signed over the documented payload', async () => {
  const { store, log } = setup(3);
  for (let i = 0; i < 7; i += 1) await log.writer(store).record(ctx, ev(i));
  assert.deepEqual(store.checkpoints.map((c) => c.seq), [3, 6]);
  for (const cp of store.checkpoints) {
    assert.equal(cp.hash, store.events[cp.seq - 1]?.hash);
    assert.ok(verify(null, Buffer.from(checkpointSigningPayload(cp)), publicKey, Buffer.from(cp.signature, 'base64')));
  }
});

test('ok/a checkpoint lands exactly on every N-th event, inside a batch too (verification refuses longer stretches)', async () => {
  const { store, log } = setup(3);
  await log.append(store, ctx, Array.from({ length: 8 }, (_, i) => ev(i)));
  assert.deepEqual(store.checkpoints.map((c) => c.seq), [3, 6]);
  assert.deepEqual(store.checkpoints.map((c) => c.hash), [store.events[2]?.hash, store.events[5]?.hash]);
  assert.equal(store.head.checkpointSeq, 6);
  await log.append(store, ctx, [ev(9)]);
  assert.deepEqual(store.checkpoints.map((c) => c.seq), [3, 6, 9]);
});

test('ok/a time-based checkpoint only after the interval and only with new events', async () => {
  const { store, log, clock } = setup(1000, 60);
  assert.equal(await log.checkpointIfDue(store), undefined, 'nothing to sign');
  await log.append(store, ctx, [ev(1)]);
  const first = await log.checkpointIfDue(store);
  assert.equal(first?.seq, 1, 'the first checkpoint is due at once');
  await log.append(store, ctx, [ev(2)]);
  clock.advance(59_000);
  assert.equal(await log.checkpointIfDue(store), undefined, 'not yet');
  clock.advance(1_000);
  assert.equal((await log.checkpointIfDue(store))?.seq, 2);
  assert.equal(await log.checkpointIfDue(store, true), undefined, 'forced, but no new events');
});

const invalid: Array<[string, AuditEventInput]> = [
  ['an uncoded action', ev(1, { action: 'Delete Everything' })],
  ['a one-word action', ev(1, { action: 'delete' })],
  ['an uncoded target type', ev(1, { target: { type: 'Patient Record', id: 'x' } })],
  ['an empty target id', ev(1, { target: { type: 'thing', id: '' } })],
  ['a free-text reason', ev(1, { reason: 'because I said so' })],
  ['a long detail value (copied data)', ev(1, { details: { note: 'x'.repeat(300) } })],
  ['a detail key with punctuation', ev(1, { details: { 'a.b': 1 } })],
  ['a non-finite number', ev(1, { details: { n: Number.NaN } })],
];
for (const [name, event] of invalid) {
  test(`fail/${name} is refused before anything is written`, async () => {
    const { store, log } = setup();
    await assert.rejects(log.append(store, ctx, [event]), (e: unknown) => isAppError(e) && e.code === 'AUDIT_EVENT_INVALID');
    assert.equal(store.events.length, 0);
  });
}

test('fail/a store failure surfaces as AUDIT_WRITE_FAILED and the head does not move', async () => {
  const { store, log } = setup();
  store.failInsert = true;
  await assert.rejects(log.append(store, ctx, [ev(1)]), (e: unknown) => isAppError(e) && e.code === 'AUDIT_WRITE_FAILED' && e.status === 503);
  assert.equal(store.head.seq, 0);
});
