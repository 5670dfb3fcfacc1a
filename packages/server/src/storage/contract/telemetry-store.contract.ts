/** The TelemetryStore, TelemetryRetentionStore and DeviceCommandStore contract. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceCommandRow, ReadingRow } from '../../telemetry/index.js';
import { deviceCommandStore, telemetryRetentionStore, telemetryStore as storeOf } from '../stores/telemetry-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';
import { testSealing } from './test-sealing.js';

const reading = (deviceId: string, seq: number, measuredAt: string, idx = 0, orgId = 'org-a'): ReadingRow => ({
  orgId,
  deviceId,
  patientId: null,
  seq,
  idx,
  metric: '8867-4',
  value: 72.5,
  unit: '/min',
  measuredAt,
  receivedAt: measuredAt,
  digest: idx === 0 ? `digest-${seq}` : null,
});

const command = (id: string, overrides: Partial<DeviceCommandRow> = {}): DeviceCommandRow => ({
  id,
  orgId: 'org-a',
  deviceId: 'device-c-0001',
  name: 'reboot',
  args: '{}',
  nonce: `nonce-${id}`,
  issuedAt: '2026-11-28T12:00:00.000Z',
  expiresAt: '2026-11-28T13:00:00.000Z',
  status: 'pending',
  issuedBy: 'user-1',
  deliveredAt: null,
  ackedAt: null,
  ackReason: null,
  ...overrides,
});

const ALL_TIME = ['2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'] as const;

/** @param prepared use the SQLite prepared-statement path (as main.ts does) when the adapter has one. */
export function telemetryStoreContract(open: () => Promise<TestDatabase>, prepared = true, sealed = false): void {
  const telemetryStore = async (t: TestDatabase) => storeOf(t.database.db, prepared ? t.database.sqliteHandle : undefined, sealed ? (await testSealing(t)).sealing : undefined);
  test('ok/readings are stored and read back by device and time range, scoped by organization', () =>
    withTestDatabase(open, async (t) => {
      const store = await telemetryStore(t);
      await store.insertReadings([
        reading('device-t-0001', 1, '2026-11-28T12:00:00.000Z'),
        reading('device-t-0001', 1, '2026-11-28T12:00:00.000Z', 1),
        reading('device-t-0001', 2, '2026-11-28T12:01:00.000Z'),
        reading('device-t-0002', 1, '2026-11-28T12:00:00.000Z'),
      ]);
      const rows = await store.readingsForDevice('org-a', 'device-t-0001', '2026-11-28T12:00:00.000Z', '2026-11-28T12:01:00.000Z', 10);
      assert.deepEqual(rows.map((r) => [r.seq, r.idx, r.value]), [[1, 0, 72.5], [1, 1, 72.5]]);
      assert.deepEqual(await store.readingsForDevice('org-b', 'device-t-0001', ...ALL_TIME, 10), [], 'another organization sees nothing');
      assert.equal(await store.findDigest('device-t-0001', 2, '2026-11-28T12:01:00.000Z'), 'digest-2');
      assert.equal(await store.findDigest('device-t-0001', 2, '2026-11-28T12:01:00.001Z'), undefined, 'the same seq measured at another time is another message');
      assert.equal(await store.findDigest('device-t-0001', 3, '2026-11-28T12:01:00.000Z'), undefined);
    }));

  test('fail/the same (device, seq, idx) cannot be stored twice', () =>
    withTestDatabase(open, async (t) => {
      const store = await telemetryStore(t);
      await store.insertReadings([reading('device-t-0001', 1, '2026-11-28T12:00:00.000Z')]);
      await assert.rejects(store.insertReadings([reading('device-t-0001', 1, '2026-11-28T12:00:00.000Z')]));
    }));

  test('ok/advance moves last_seq from the value read; fail/a concurrent move is a conflict', () =>
    withTestDatabase(open, async (t) => {
      const store = await telemetryStore(t);
      const at = '2026-11-28T12:00:00.000Z';
      assert.deepEqual(await store.lastSeqs(['device-t-0001']), new Map());
      await store.advance([{ deviceId: 'device-t-0001', orgId: 'org-a', lastSeq: 5, lastMeasuredAt: at }], new Map(), at);
      assert.deepEqual(await store.lastSeqs(['device-t-0001', 'device-t-0009']), new Map([['device-t-0001', 5]]));
      await store.advance([{ deviceId: 'device-t-0001', orgId: 'org-a', lastSeq: 9, lastMeasuredAt: at }], new Map([['device-t-0001', 5]]), at);
      await assert.rejects(
        store.advance([{ deviceId: 'device-t-0001', orgId: 'org-a', lastSeq: 12, lastMeasuredAt: at }], new Map([['device-t-0001', 5]]), at),
        { code: 'STORAGE_CONFLICT' },
      );
      await assert.rejects(store.advance([{ deviceId: 'device-t-0001', orgId: 'org-a', lastSeq: 12, lastMeasuredAt: at }], new Map(), at), { code: 'STORAGE_CONFLICT' });
      assert.equal((await store.lastSeqs(['device-t-0001'])).get('device-t-0001'), 9);
    }));

  test('ok/a batch larger than one INSERT chunk is stored whole', () =>
    withTestDatabase(open, async (t) => {
      const store = await telemetryStore(t);
      const rows = Array.from({ length: 2500 }, (_, i) => reading('device-t-0003', i + 1, '2026-11-28T12:00:00.000Z'));
      await store.insertReadings(rows);
      assert.equal((await store.readingsForDevice('org-a', 'device-t-0003', ...ALL_TIME, 5000)).length, 2500);
    }));

  test('ok/retention removes readings measured before the cutoff (whole partitions on PostgreSQL)', () =>
    withTestDatabase(open, async (t) => {
      const retention = telemetryRetentionStore(t.database.db, t.database.dialect);
      const store = await telemetryStore(t);
      const created = await retention.ensurePartitions(new Date('2024-03-15T00:00:00.000Z'));
      if (t.database.dialect === 'postgres') assert.ok(created.includes('telemetry_readings_y2024m03'));
      else assert.deepEqual(created, []);
      await store.insertReadings([
        reading('device-t-0001', 1, '2024-03-10T00:00:00.000Z'),
        reading('device-t-0001', 2, '2024-04-10T00:00:00.000Z'),
        reading('device-t-0001', 3, '2026-11-28T12:00:00.000Z'),
      ]);
      const removed = await retention.removeBefore('2024-04-20T00:00:00.000Z');
      if (t.database.dialect === 'postgres') {
        assert.ok(removed.droppedPartitions.includes('telemetry_readings_y2024m03'));
        assert.equal(removed.droppedPartitions.includes('telemetry_readings_y2024m04'), false, 'a month that straddles the cutoff is kept');
      }
      const left = await store.readingsForDevice('org-a', 'device-t-0001', ...ALL_TIME, 10);
      assert.deepEqual(left.map((r) => r.seq), [3]);
    }));

  test('ok/commands: org-scoped find, pending until sent, one ack only with the right nonce', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceCommandStore(t.database.db);
      await store.insert(command('cmd-1'));
      await store.insert(command('cmd-2', { expiresAt: '2026-11-28T12:00:30.000Z' }));
      assert.equal(await store.find('org-b', 'cmd-1'), undefined, 'another organization sees nothing');
      assert.deepEqual((await store.pendingFor('org-a', 'device-c-0001', '2026-11-28T12:01:00.000Z', 10)).map((c) => c.id), ['cmd-1'], 'expired ones are not pending');
      assert.equal(await store.markSent('org-a', 'cmd-1', '2026-11-28T12:01:00.000Z'), true);
      assert.equal(await store.markSent('org-a', 'cmd-1', '2026-11-28T12:01:00.000Z'), false);
      assert.equal(await store.recordAck('org-a', 'device-c-0001', 'cmd-1', 'wrong-nonce', 'done', null, '2026-11-28T12:02:00.000Z'), false);
      assert.equal(await store.recordAck('org-a', 'device-c-0002', 'cmd-1', 'nonce-cmd-1', 'done', null, '2026-11-28T12:02:00.000Z'), false, 'another device cannot ack');
      assert.equal(await store.recordAck('org-a', 'device-c-0001', 'cmd-1', 'nonce-cmd-1', 'failed', 'busy', '2026-11-28T12:02:00.000Z'), true);
      assert.equal(await store.recordAck('org-a', 'device-c-0001', 'cmd-1', 'nonce-cmd-1', 'done', null, '2026-11-28T12:03:00.000Z'), false, 'once');
      const row = await store.find('org-a', 'cmd-1');
      assert.equal(row?.status, 'failed');
      assert.equal(row?.ackReason, 'busy');
      await assert.rejects(store.insert(command('cmd-3', { nonce: 'nonce-cmd-1' })), 'a nonce is unique');
    }));
}
