/**
 * Managed settings across nodes: a setting approved on one node is recorded in the shared
 * database, and another node of that database (its own data directory, no copied file) takes it
 * at its start, into its configuration and its file; its own newer entry is never rolled back; a
 * malformed or invalid shared record refuses to start. SQLite, and PostgreSQL when
 * VIGIL_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { managedSettingsPath, readManagedSettings, validate, writeManagedSettings } from '../config/index.js';
import { testAdapters, withTestDatabase } from '../storage/contract/adapters.js';
import { systemMetaStore } from '../storage/index.js';
import { followManagedSettings, MANAGED_SETTINGS_META_KEY, recordManagedSettings } from './managed-settings-sync.js';

async function withNode<T>(fn: (dataDir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-node-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const T1 = '2026-12-01T10:00:00.000Z';
const T2 = '2026-12-02T10:00:00.000Z';

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/managed settings across nodes`, () => {
    it('ok/a setting approved on node A applies on node B at its start, and B records it in its own file', async () => {
      await withTestDatabase(adapter.open, async ({ database }) => {
        await recordManagedSettings(systemMetaStore(database.db), { 'passwords.preset': 'nist' }, 'change-1', T1);
        await recordManagedSettings(systemMetaStore(database.db), { 'security.detectors.bruteForce.failures': 9 }, 'change-2', T2);
        await withNode(async (nodeB) => {
          const loaded = validate({ dataDir: nodeB }).config;
          assert.equal(loaded.passwords.preset, 'regular-change', 'the default before following');
          const { config, followed } = await followManagedSettings(loaded, database, nodeB);
          assert.deepEqual([...followed].sort(), ['passwords.preset', 'security.detectors.bruteForce.failures']);
          assert.equal(config.passwords.preset, 'nist');
          assert.equal(config.security.detectors.bruteForce.failures, 9);
          const file = readManagedSettings(nodeB);
          assert.deepEqual(file['passwords.preset'], { value: 'nist', changeId: 'change-1', at: T1 });
          assert.equal(file['security.detectors.bruteForce.failures']?.changeId, 'change-2');
          // Up to date now: the next start takes nothing.
          assert.deepEqual((await followManagedSettings(config, database, nodeB)).followed, []);
        });
      });
    });

    it('ok/a node keeps its own newer entry (a later change it applied), and takes a newer shared one', async () => {
      await withTestDatabase(adapter.open, async ({ database }) => {
        await recordManagedSettings(systemMetaStore(database.db), { 'passwords.preset': 'nist' }, 'change-old', T1);
        await withNode(async (node) => {
          writeManagedSettings(node, { 'passwords.preset': 'regular-change' }, 'change-new', T2);
          const loaded = validate({ dataDir: node, passwords: { preset: 'regular-change' } }).config;
          const kept = await followManagedSettings(loaded, database, node);
          assert.deepEqual(kept.followed, []);
          assert.equal(kept.config.passwords.preset, 'regular-change');
          await recordManagedSettings(systemMetaStore(database.db), { 'passwords.preset': 'nist' }, 'change-newest', '2026-12-03T10:00:00.000Z');
          const taken = await followManagedSettings(loaded, database, node);
          assert.deepEqual(taken.followed, ['passwords.preset']);
          assert.equal(taken.config.passwords.preset, 'nist');
        });
      });
    });

    it('fail/a malformed or invalid shared record refuses to start and leaves the node file alone', async () => {
      await withTestDatabase(adapter.open, async ({ database }) => {
        const meta = systemMetaStore(database.db);
        await withNode(async (node) => {
          const loaded = validate({ dataDir: node }).config;
          await meta.set(MANAGED_SETTINGS_META_KEY, '{"settings": ', T1);
          await assert.rejects(followManagedSettings(loaded, database, node), { code: 'CONFIG_INVALID' });
          await meta.set(MANAGED_SETTINGS_META_KEY, JSON.stringify({ version: 1, settings: { databaseUrl: { value: 'postgres://evil', changeId: 'x', at: T1 } } }), T1);
          await assert.rejects(followManagedSettings(loaded, database, node), (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && /databaseUrl is not a managed setting/.test(e.message));
          await meta.set(MANAGED_SETTINGS_META_KEY, JSON.stringify({ version: 1, settings: { 'security.detectors.bruteForce.failures': { value: -1, changeId: 'x', at: T1 } } }), T1);
          await assert.rejects(followManagedSettings(loaded, database, node), (e: Error & { code?: string }) => e.code === 'CONFIG_INVALID' && /security\.detectors\.bruteForce\.failures/.test(e.message));
          assert.equal(existsSync(managedSettingsPath(node)), false, 'nothing written');
          await meta.set(MANAGED_SETTINGS_META_KEY, JSON.stringify({ version: 1, settings: {} }), T1);
          await assert.rejects(recordManagedSettings(meta, { databaseUrl: 'postgres://evil' }, 'x', T1), { code: 'CONFIG_INVALID' });
        });
      });
    });
  });
}
