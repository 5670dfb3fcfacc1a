/**
 * The storage gate keeps a device's held publishes in order (issue 17): a later seq that commits
 * before an earlier held one would turn the earlier one's retry into a replay, refused and
 * acknowledged without being stored. Seen once under load as "acknowledged seq N not stored".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../kernel/index.js';
import { StorageGate } from './storage-gate.js';
import { FakeStorage } from './storage-status-fakes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An ingest of `seq`: fails while storage is down, and seq 1 also on its first `flaps` attempts. */
function ingests(storage: FakeStorage, order: number[], flaps: number) {
  const attempts = new Map<number, number>();
  return (seq: number) => async () => {
    const n = (attempts.get(seq) ?? 0) + 1;
    attempts.set(seq, n);
    if (!storage.healthy || (seq === 1 && n <= flaps)) throw new AppError('STORAGE_UNAVAILABLE', { detail: `storage disk-full (SQLITE_FULL): seq ${seq}` });
    order.push(seq);
  };
}

test('ok/held publishes of one device are ingested again in the order they first failed, even when the first retry of the earliest fails again', async () => {
  const storage = new FakeStorage(false);
  const gate = new StorageGate(storage, 5_000);
  const order: number[] = [];
  const ingest = ingests(storage, order, 2);
  const runs = [1, 2, 3].map((seq) => gate.run('device-a', ingest(seq), () => true));
  await sleep(20);
  assert.equal(gate.devicesWaiting, 1);
  storage.set(true);
  await Promise.all(runs);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(gate.devicesWaiting, 0);
});

test('ok/a publish that arrives while earlier ones of its device are held waits behind them; other devices do not wait', async () => {
  const storage = new FakeStorage(false);
  const gate = new StorageGate(storage, 5_000);
  const order: number[] = [];
  const ingest = ingests(storage, order, 2);
  const held = [1, 2].map((seq) => gate.run('device-a', ingest(seq), () => true));
  await sleep(20);
  storage.set(true);
  const later = gate.run('device-a', ingest(3), () => true);
  const other: number[] = [];
  await gate.run('device-b', async () => void other.push(9), () => true);
  assert.deepEqual(other, [9], 'another device is not held behind device-a');
  await Promise.all([...held, later]);
  assert.deepEqual(order, [1, 2, 3]);
});

test('fail/a held publish whose connection closes fails, and the ones behind it still run in order', async () => {
  const storage = new FakeStorage(false);
  const gate = new StorageGate(storage, 5_000);
  const order: number[] = [];
  const ingest = ingests(storage, order, 0);
  let open = true;
  const first = gate.run('device-a', ingest(1), () => open);
  const second = gate.run('device-a', ingest(2), () => true);
  await sleep(20);
  open = false;
  storage.set(true);
  await assert.rejects(first, (error: unknown) => error instanceof AppError && error.code === 'STORAGE_UNAVAILABLE');
  await second;
  assert.deepEqual(order, [2]);
});
