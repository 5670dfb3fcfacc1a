/** Contract of the updates stores (firmware, TUF metadata, attestations, rollouts) on every adapter. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Campaign, FirmwareRelease } from '../../updates/index.js';
import { attestationStore, firmwareStore, rolloutStore, tufMetadataStore } from '../index.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const release = (version: string, id: string): FirmwareRelease => ({
  id,
  model: 'pulse-ox',
  version,
  minVersion: '0.0.0',
  hardwareRevisions: ['rev-a'],
  notes: 'n',
  targetPath: `pulse-ox/${version}/firmware.bin`,
  sha256: 'a'.repeat(64),
  sha512: 'b'.repeat(128),
  length: 5_000_000_000,
  supportEndsAt: '2030-01-01',
  endOfLifeAt: '2031-01-01',
  sbom: { specVersion: '1.6', serialNumber: null, components: [] },
  createdAt: `2026-01-0${version.split('.')[1] ?? '1'}T00:00:00.000Z`,
  createdBy: 'cli:test',
});

export function updatesStoresContract(open: () => Promise<TestDatabase>): void {
  it('ok/images, releases, SBOM text and policies round-trip (lengths above 2^32 included)', () =>
    withTestDatabase(open, async ({ database }) => {
      const s = firmwareStore(database.db);
      await s.insertImage({ sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), length: 5_000_000_000, model: 'pulse-ox', uploadedAt: '2026-01-01T00:00:00.000Z', uploadedBy: 'cli:test' });
      assert.equal((await s.findImage('a'.repeat(64)))?.length, 5_000_000_000);
      await s.insertRelease(release('1.1.0', 'r1'), '{"bomFormat":"CycloneDX"}');
      await s.insertRelease(release('1.2.0', 'r2'), '{}');
      assert.deepEqual((await s.listReleases('pulse-ox')).map((r) => r.version), ['1.1.0', '1.2.0']);
      assert.deepEqual(await s.findRelease('pulse-ox', '1.1.0'), release('1.1.0', 'r1'));
      assert.equal(await s.sbomText('r1'), '{"bomFormat":"CycloneDX"}');
      await assert.rejects(s.insertRelease(release('1.1.0', 'r3'), '{}'), 'model+version is unique');
      assert.equal(await s.findPolicy('pulse-ox'), undefined);
      await s.upsertPolicy({ model: 'pulse-ox', maxImageBytes: 4096, requireAttestation: true, quarantineOnUnknownHash: false });
      await s.upsertPolicy({ model: 'pulse-ox', maxImageBytes: 8192, requireAttestation: true, quarantineOnUnknownHash: true });
      assert.deepEqual(await s.findPolicy('pulse-ox'), { model: 'pulse-ox', maxImageBytes: 8192, requireAttestation: true, quarantineOnUnknownHash: true });
    }));

  it('ok/TUF metadata: latest and exact versions; a version is written once', () =>
    withTestDatabase(open, async ({ database }) => {
      const s = tufMetadataStore(database.db);
      for (const version of [1, 2, 10]) await s.insert({ role: 'timestamp', version, body: `{"v":${version}}`, expires: '2026-01-02T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' });
      assert.equal((await s.latest('timestamp'))?.version, 10);
      assert.equal((await s.find('timestamp', 2))?.body, '{"v":2}');
      assert.equal(await s.find('snapshot', 1), undefined);
      await assert.rejects(s.insert({ role: 'timestamp', version: 2, body: 'x', expires: 'x', createdAt: 'x' }));
    }));

  it('ok/attestations upsert per device and stay inside their organization', () =>
    withTestDatabase(open, async ({ database }) => {
      const s = attestationStore(database.db);
      const row = { deviceId: 'd1', orgId: 'o1', model: 'pulse-ox', firmwareVersion: '1.0.0', imageSha256: 'c'.repeat(64), state: 'verified', measuredAt: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:01.000Z', quarantinedByPolicy: false };
      await s.upsert(row);
      await s.upsert({ ...row, state: 'unknown-hash', quarantinedByPolicy: true });
      assert.deepEqual(await s.find('o1', 'd1'), { ...row, state: 'unknown-hash', quarantinedByPolicy: true });
      assert.equal(await s.find('o2', 'd1'), undefined);
      assert.deepEqual(await s.list('o2'), []);
    }));

  it('ok/rollouts and their devices round-trip; lists filter by organization and status', () =>
    withTestDatabase(open, async ({ database }) => {
      const s = rolloutStore(database.db);
      const c = { id: 'c1', orgId: 'o1', model: 'pulse-ox', status: 'running', priority: 0, createdAt: '2026-01-01T00:00:00.000Z', waves: [1, 100] } as unknown as Campaign;
      await s.insert(c);
      await s.update({ ...c, status: 'halted' });
      assert.equal((await s.find('o1', 'c1'))?.status, 'halted');
      assert.equal(await s.find('o2', 'c1'), undefined);
      assert.equal((await s.list('o1', ['halted'])).length, 1);
      assert.equal((await s.list(null, ['running'])).length, 0);
      const devices = Array.from({ length: 450 }, (_, i) => ({ campaignId: 'c1', deviceId: `d${i}`, wave: i % 2, status: 'waiting' as const, attempts: 0, sentAt: null, updatedAt: 'x' }));
      await s.insertDevices(devices);
      await s.updateDevice({ ...devices[0]!, status: 'installed', attempts: 1, sentAt: 'y' });
      const back = await s.devices('c1');
      assert.equal(back.length, 450);
      assert.deepEqual(back.find((d) => d.deviceId === 'd0'), { ...devices[0], status: 'installed', attempts: 1, sentAt: 'y' });
    }));
}
