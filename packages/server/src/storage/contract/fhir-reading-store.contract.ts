/** The PatientReadingStore (fhir/) contract: a patient's readings, scoped by organization, paged by message. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReadingRow } from '../../telemetry/index.js';
import { fhirReadingStore } from '../stores/fhir-reading-store.js';
import { telemetryStore } from '../stores/telemetry-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';
import { testSealing } from './test-sealing.js';

const row = (deviceId: string, seq: number, idx: number, metric: string, measuredAt: string, patientId: string | null = 'patient-1', orgId = 'org-a'): ReadingRow => ({
  orgId,
  deviceId,
  patientId,
  seq,
  idx,
  metric,
  value: 70 + idx,
  unit: '/min',
  measuredAt,
  receivedAt: measuredAt,
  digest: idx === 0 ? `d-${deviceId}-${seq}` : null,
});

const T1 = '2026-11-28T12:00:00.000Z';
const T2 = '2026-11-28T12:01:00.000Z';
const T3 = '2026-11-28T12:02:00.000Z';

async function seed(t: TestDatabase, sealed: boolean): Promise<void> {
  const sealing = sealed ? (await testSealing(t)).sealing : undefined;
  await telemetryStore(t.database.db, undefined, sealing).insertReadings([
    row('dev-b', 1, 0, '8867-4', T1),
    row('dev-b', 1, 1, '8480-6', T1),
    row('dev-a', 1, 0, '8867-4', T1),
    row('dev-a', 2, 0, '8867-4', T2),
    row('dev-a', 2, 1, '59408-5', T2),
    row('dev-a', 3, 0, '8867-4', T3),
    row('dev-c', 1, 0, '8867-4', T2, 'patient-2'),
    row('dev-d', 1, 0, '8867-4', T2, null),
    row('dev-e', 1, 0, '8867-4', T2, 'patient-1', 'org-b'),
  ]);
}

const keys = (rows: readonly { deviceId: string; seq: number; idx: number }[]) => rows.map((r) => `${r.deviceId}/${r.seq}/${r.idx}`);

export function fhirReadingStoreContract(open: () => Promise<TestDatabase>, sealed = false): void {
  const readings = async (t: TestDatabase) => fhirReadingStore(t.database.db, sealed ? (await testSealing(t)).sealing : undefined);
  test('ok/page: the patient of the organization only, ordered by (time, device, seq, idx), both ways', () =>
    withTestDatabase(open, async (t) => {
      await seed(t, sealed);
      const store = await readings(t);
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'asc', limit: 100 })), ['dev-a/1/0', 'dev-b/1/0', 'dev-b/1/1', 'dev-a/2/0', 'dev-a/2/1', 'dev-a/3/0']);
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'desc', limit: 3 })), ['dev-a/3/0', 'dev-a/2/0', 'dev-a/2/1']);
      assert.deepEqual(await store.page('org-b', 'patient-2', { order: 'asc', limit: 100 }), [], 'another organization sees nothing');
    }));

  test('ok/page: metrics, time range and an inclusive start message', () =>
    withTestDatabase(open, async (t) => {
      await seed(t, sealed);
      const store = await readings(t);
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'asc', metrics: ['59408-5', '8480-6'], limit: 100 })), ['dev-b/1/1', 'dev-a/2/1']);
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'asc', from: T2, to: T3, limit: 100 })), ['dev-a/2/0', 'dev-a/2/1']);
      const start = { measuredAt: T1, deviceId: 'dev-b', seq: 1 };
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'asc', start, limit: 3 })), ['dev-b/1/0', 'dev-b/1/1', 'dev-a/2/0']);
      assert.deepEqual(keys(await store.page('org-a', 'patient-1', { order: 'desc', start, limit: 100 })), ['dev-b/1/0', 'dev-b/1/1', 'dev-a/1/0']);
    }));

  test('ok/message, devicesOf and patientOfMessage are scoped by organization and patient', () =>
    withTestDatabase(open, async (t) => {
      await seed(t, sealed);
      const store = await readings(t);
      assert.deepEqual(keys(await store.message('org-a', 'patient-1', 'dev-a', 2)), ['dev-a/2/0', 'dev-a/2/1']);
      assert.deepEqual(await store.message('org-a', 'patient-2', 'dev-a', 2), []);
      assert.deepEqual(await store.devicesOf('org-a', 'patient-1', 10), ['dev-a', 'dev-b']);
      assert.equal(await store.patientOfMessage('org-a', 'dev-c', 1), 'patient-2');
      assert.equal(await store.patientOfMessage('org-a', 'dev-d', 1), undefined, 'unattributed readings have no patient');
      assert.equal(await store.patientOfMessage('org-a', 'dev-e', 1), undefined, 'another organization');
    }));
}
