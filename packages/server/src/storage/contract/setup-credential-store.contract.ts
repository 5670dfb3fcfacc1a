/** The SetupCredentialStore and SystemMetaStore contract. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupCredentialStore, systemMetaStore } from '../stores/setup-credential-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const row = (id: string, expiresAt: string, consumedAt: string | null = null) => ({
  id,
  tokenHash: `${id}-hash`,
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt,
  consumedAt,
});

export function setupCredentialStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/usable credentials exclude expired and consumed ones', () =>
    withTestDatabase(open, async (t) => {
      const store = setupCredentialStore(t.database.db);
      await store.insert(row('a', '2026-01-02T00:00:00.000Z'));
      await store.insert(row('b', '2026-01-01T00:30:00.000Z'));
      await store.insert(row('c', '2026-01-02T00:00:00.000Z', '2026-01-01T00:10:00.000Z'));
      const usable = await store.findUsable('2026-01-01T01:00:00.000Z');
      assert.deepEqual(usable.map((r) => r.id), ['a']);
      assert.deepEqual(await store.findByHash('b-hash'), row('b', '2026-01-01T00:30:00.000Z'));
      assert.equal(await store.findByHash('nope'), undefined);
    }));

  test('ok/markConsumed succeeds once; retireAll consumes every open credential', () =>
    withTestDatabase(open, async (t) => {
      const store = setupCredentialStore(t.database.db);
      await store.insert(row('a', '2027-01-01T00:00:00.000Z'));
      await store.insert(row('b', '2027-01-01T00:00:00.000Z'));
      assert.equal(await store.markConsumed('a', '2026-02-01T00:00:00.000Z'), true);
      assert.equal(await store.markConsumed('a', '2026-02-02T00:00:00.000Z'), false, 'a second consume fails');
      assert.equal((await store.findByHash('a-hash'))?.consumedAt, '2026-02-01T00:00:00.000Z');
      assert.equal(await store.retireAll('2026-03-01T00:00:00.000Z'), 1);
      assert.deepEqual(await store.findUsable('2026-01-01T00:00:00.000Z'), []);
    }));

  test('fail/a duplicate token hash is refused', () =>
    withTestDatabase(open, async (t) => {
      const store = setupCredentialStore(t.database.db);
      await store.insert(row('a', '2027-01-01T00:00:00.000Z'));
      await assert.rejects(store.insert({ ...row('z', '2027-01-01T00:00:00.000Z'), tokenHash: 'a-hash' }));
    }));

  test('ok/system meta upserts', () =>
    withTestDatabase(open, async (t) => {
      const meta = systemMetaStore(t.database.db);
      assert.equal(await meta.get('k'), undefined);
      await meta.set('k', 'v1', '2026-01-01T00:00:00.000Z');
      await meta.set('k', 'v2', '2026-01-01T00:00:01.000Z');
      assert.equal(await meta.get('k'), 'v2');
    }));
}
