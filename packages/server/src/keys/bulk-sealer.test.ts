import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError, ManualClock } from '../kernel/index.js';
import { KEY_LIFETIME_MS } from './bulk-sealer.js';
import { createBulkSealer, initKeyStore, type KeyProvider, type WrappedDataKey, type WrappedDataKeyStore } from './index.js';

class MemoryDataKeys implements WrappedDataKeyStore {
  readonly rows = new Map<string, WrappedDataKey>();
  insert(key: WrappedDataKey) {
    this.rows.set(key.id, key);
    return Promise.resolve();
  }
  find(ids: readonly string[]) {
    return Promise.resolve(ids.map((id) => this.rows.get(id)).filter((k): k is WrappedDataKey => k !== undefined));
  }
  notUnder(kekId: string, limit: number) {
    return Promise.resolve([...this.rows.values()].filter((k) => k.kekId !== kekId).slice(0, limit));
  }
  replaceWrap(id: string, fromKekId: string, to: { kekId: string; wrapped: Uint8Array }) {
    const row = this.rows.get(id);
    if (row?.kekId !== fromKekId) return Promise.resolve(false);
    this.rows.set(id, { ...row, ...to });
    return Promise.resolve(true);
  }
  countByKek() {
    const out = new Map<string, number>();
    for (const k of this.rows.values()) out.set(k.kekId, (out.get(k.kekId) ?? 0) + 1);
    return Promise.resolve(out);
  }
}

const invalid = (e: unknown) => isAppError(e) && e.code === 'KEYS_CIPHERTEXT_INVALID';
const value = Buffer.from('vital 72.5');

describe('bulk sealer', () => {
  let root: string;
  let keys: KeyProvider;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-bulk-'));
    keys = await initKeyStore({ dataDir: join(root, 'data'), masterKey: randomBytes(32).toString('hex'), clock });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('ok/round-trip through a stored data key; a fresh sealer (another process) opens it from the store', async () => {
    const store = new MemoryDataKeys();
    const sealer = createBulkSealer(keys, store, clock);
    await sealer.prepare();
    const sealed = sealer.seal(value, 'row-1');
    assert.equal(sealed[0], 1);
    assert.equal(store.rows.size, 1);
    assert.equal(sealed.includes(value), false);
    assert.deepEqual(await sealer.openMany([{ sealed, context: 'row-1' }]), [value]);
    assert.deepEqual(await createBulkSealer(keys, store, clock).openMany([{ sealed, context: 'row-1' }]), [value]);
  });

  it('fail/sealing before prepare() is refused', () => {
    assert.throws(() => createBulkSealer(keys, new MemoryDataKeys(), clock).seal(value, 'row-1'), (e: unknown) => isAppError(e) && e.code === 'INTERNAL');
  });

  it('fail/another row (context), a flipped bit, a truncated value, an unknown data key, a tampered wrap: none opens', async () => {
    const store = new MemoryDataKeys();
    const sealer = createBulkSealer(keys, store, clock);
    await sealer.prepare();
    const sealed = sealer.seal(value, 'row-1');
    await assert.rejects(sealer.openMany([{ sealed, context: 'row-2' }]), invalid);
    for (const at of [1, 20, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = (bad[at] ?? 0) ^ 1;
      await assert.rejects(createBulkSealer(keys, store, clock).openMany([{ sealed: bad, context: 'row-1' }]), invalid, `bit at ${at}`);
    }
    await assert.rejects(sealer.openMany([{ sealed: sealed.subarray(0, 20), context: 'row-1' }]), invalid);
    const [row] = store.rows.values();
    assert.ok(row);
    const wrapped = Buffer.from(row.wrapped);
    wrapped[5] = (wrapped[5] ?? 0) ^ 1;
    const tampered = new MemoryDataKeys();
    await tampered.insert({ ...row, wrapped });
    await assert.rejects(createBulkSealer(keys, tampered, clock).openMany([{ sealed, context: 'row-1' }]), invalid);
    await assert.rejects(createBulkSealer(keys, new MemoryDataKeys(), clock).openMany([{ sealed, context: 'row-1' }]), invalid);
  });

  it('ok/a data key is retired after its lifetime: the next prepare() stores a new one, and both open', async () => {
    const store = new MemoryDataKeys();
    const sealer = createBulkSealer(keys, store, clock);
    await sealer.prepare();
    const first = sealer.seal(value, 'a');
    clock.advance(KEY_LIFETIME_MS + 1);
    await sealer.prepare();
    const second = sealer.seal(value, 'b');
    assert.equal(store.rows.size, 2);
    assert.notDeepEqual(first.subarray(1, 17), second.subarray(1, 17));
    assert.deepEqual(await sealer.openMany([{ sealed: first, context: 'a' }, { sealed: second, context: 'b' }]), [value, value]);
  });

  it('ok/after a KEK rotation, rewrapDataKeys moves every data key to the new KEK; the values are untouched and open', async () => {
    const store = new MemoryDataKeys();
    const sealer = createBulkSealer(keys, store, clock);
    await sealer.prepare();
    const sealed = sealer.seal(value, 'row');
    const retired = keys.active('kek').id;
    await keys.rotate('kek');
    assert.equal(await sealer.rewrapDataKeys(), 1);
    assert.deepEqual([...(await store.countByKek()).keys()], [keys.active('kek').id]);
    assert.notEqual(keys.active('kek').id, retired);
    assert.deepEqual(await createBulkSealer(keys, store, clock).openMany([{ sealed, context: 'row' }]), [value]);
    assert.equal(await sealer.rewrapDataKeys(), 0, 'nothing left to do');
  });
});
