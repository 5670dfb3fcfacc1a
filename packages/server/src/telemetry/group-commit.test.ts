import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { ManualClock } from '../kernel/index.js';
import { GroupCommitter } from './group-commit.js';
import { MemoryIngestUnitOfWork } from './in-memory-telemetry.js';
import type { IngestDevice } from './model.js';

const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
const dev = (n: number): IngestDevice => ({ deviceId: `device-gc-${String(n).padStart(4, '0')}`, orgId: 'org-1', model: 'm', publicKeyPem: '' });
const env = (d: IngestDevice, seq: number): TelemetryEnvelope => ({ v: 1, deviceId: d.deviceId, seq, ts: clock.now().toISOString(), readings: [{ metric: '8867-4', value: 70, unit: '/min' }] });

describe('GroupCommitter', () => {
  test('ok/messages of many devices within the delay share one transaction, with one audit event per device', async () => {
    const uow = new MemoryIngestUnitOfWork();
    const gc = new GroupCommitter(uow, clock, { maxDelayMs: 20, maxBatch: 500 });
    const results = await Promise.all([1, 2, 3].flatMap((n) => [1, 2].map((seq) => gc.submit(dev(n), env(dev(n), seq), 'src'))));
    assert.deepEqual(results, Array(6).fill('stored'));
    assert.equal(uow.data.commits, 1);
    assert.equal(uow.data.audit.length, 3);
    assert.deepEqual(uow.data.audit[0]?.event.details, { messages: 2, firstSeq: 1, lastSeq: 2, source: 'src' });
    assert.equal(uow.data.audit[0]?.event.target.id, dev(1).deviceId);
  });

  test('ok/a full batch commits without waiting for the delay', async () => {
    const uow = new MemoryIngestUnitOfWork();
    const gc = new GroupCommitter(uow, clock, { maxDelayMs: 60_000, maxBatch: 4 });
    const started = Date.now();
    await Promise.all([1, 2, 3, 4].map((seq) => gc.submit(dev(1), env(dev(1), seq), 'src')));
    assert.ok(Date.now() - started < 5_000);
    assert.equal(uow.data.commits, 1);
  });

  test('fail/nothing resolves before the commit; a failed commit rejects the whole batch', async () => {
    const uow = new MemoryIngestUnitOfWork();
    const gc = new GroupCommitter(uow, clock, { maxDelayMs: 1, maxBatch: 10 });
    uow.hold();
    let settled = false;
    const p = gc.submit(dev(1), env(dev(1), 1), 'src').finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'no acknowledgement while the commit is held');
    assert.equal(uow.data.readings.length, 0);
    uow.release();
    assert.equal(await p, 'stored');

    uow.failNext = new Error('disk full');
    await assert.rejects(gc.submit(dev(1), env(dev(1), 2), 'src'), /disk full/);
    assert.equal(uow.data.lastSeq.get(dev(1).deviceId), 1, 'the failed batch left no state');
    assert.equal(await gc.submit(dev(1), env(dev(1), 2), 'src'), 'stored', 'the device resends and it is stored');
  });

  test('ok/close() commits what is queued and then refuses', async () => {
    const uow = new MemoryIngestUnitOfWork();
    const gc = new GroupCommitter(uow, clock, { maxDelayMs: 10_000, maxBatch: 100 });
    const p = gc.submit(dev(1), env(dev(1), 1), 'src');
    await gc.close();
    assert.equal(await p, 'stored');
    await assert.rejects(gc.submit(dev(1), env(dev(1), 2), 'src'), /TELEMETRY_INGEST_UNAVAILABLE|shutting down/);
  });
});
