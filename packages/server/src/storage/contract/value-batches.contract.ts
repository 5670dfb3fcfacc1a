/**
 * Value blocks (ADR 0008 addendum, migration 0024), on every adapter: the group commit's values
 * are sealed as one block per organization and batch, each reading holding a reference whose slot
 * is bound to the reading's identity. Each way of moving, editing or removing what a reading
 * points at must fail to open (KEYS_CIPHERTEXT_INVALID), never read another reading's value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { isAppError } from '../../kernel/index.js';
import { encodeValues, readingContext, type ReadingRow } from '../../telemetry/index.js';
import { vitalsStore } from '../stores/clinical-store.js';
import { fhirReadingStore } from '../stores/fhir-reading-store.js';
import { telemetryRetentionStore, telemetryStore } from '../stores/telemetry-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';
import { testSealing } from './test-sealing.js';

const T = '2026-11-28T12:00:10.000Z';
const VITAL = 141.296875;

const reading = (orgId: string, deviceId: string, patientId: string, seq: number, value: number, metric = '8867-4'): ReadingRow => ({
  orgId,
  deviceId,
  patientId,
  seq,
  idx: 0,
  metric,
  value,
  unit: metric === '8867-4' ? '/min' : '%',
  measuredAt: new Date(Date.parse(T) + seq * 1000).toISOString(),
  receivedAt: T,
  digest: `d-${deviceId}-${seq}`,
});

const rejectsSealed = (error: unknown): boolean => isAppError(error) && error.code === 'KEYS_CIPHERTEXT_INVALID';
const HOUR = ['2026-11-28T12:00:00.000Z', '2026-11-28T13:00:00.000Z'] as const;

/** One batch of two organizations: org-a's patient-1 (dev-1, VITAL) and patient-2 (dev-2, 61), org-b's patient-9 (dev-9, 88). */
async function seeded(t: TestDatabase) {
  const { sealing } = await testSealing(t);
  await telemetryStore(t.database.db, t.database.sqliteHandle, sealing).insertReadings([
    reading('org-a', 'dev-1', 'patient-1', 1, VITAL),
    reading('org-b', 'dev-9', 'patient-9', 1, 88),
    reading('org-a', 'dev-2', 'patient-2', 1, 61),
  ]);
  const range = (orgId: string, patientId: string) => vitalsStore(t.database.db, t.database.dialect, sealing).range(orgId, patientId, '8867-4', HOUR[0], HOUR[1], 10, 'asc');
  return { sealing, range };
}

export function valueBatchesContract(open: () => Promise<TestDatabase>): void {
  test('ok/one sealed block per organization and batch; readings hold 21-byte references; every value reads back', () =>
    withTestDatabase(open, async (t) => {
      const { range, sealing } = await seeded(t);
      const { db } = t.database;
      const blocks = await db.selectFrom('telemetry_value_batches').selectAll().orderBy('org_id').execute();
      assert.deepEqual(
        blocks.map((b) => [b.org_id, b.last_measured_at]),
        [
          ['org-a', '2026-11-28T12:00:11.000Z'],
          ['org-b', '2026-11-28T12:00:11.000Z'],
        ],
      );
      const needle = encodeValues(VITAL);
      for (const b of blocks) assert.equal(Buffer.from(b.sealed).includes(needle), false, 'a block holds the value in clear');
      const refs = await db.selectFrom('telemetry_readings').select(['value', 'value_sealed']).execute();
      for (const r of refs) {
        assert.equal(r.value, null);
        assert.equal(r.value_sealed?.length, 21);
        assert.equal(r.value_sealed?.[0], 0x02);
      }
      assert.deepEqual((await range('org-a', 'patient-1')).map((p) => p.value), [VITAL]);
      assert.deepEqual((await range('org-a', 'patient-2')).map((p) => p.value), [61]);
      assert.deepEqual((await range('org-b', 'patient-9')).map((p) => p.value), [88]);
      assert.equal((await fhirReadingStore(db, sealing).message('org-a', 'patient-1', 'dev-1', 1))[0]?.value, VITAL);
    }));

  test('ok/readings sealed one by one before 0024 (0x01) still read back beside block references', () =>
    withTestDatabase(open, async (t) => {
      const { range, sealing } = await seeded(t);
      const old = reading('org-a', 'dev-1', 'patient-1', 2, 42);
      const own = sealing.seal(encodeValues(42), readingContext(old));
      await t.database.db
        .insertInto('telemetry_readings')
        .values({ org_id: old.orgId, device_id: old.deviceId, patient_id: old.patientId, seq: old.seq, idx: 0, metric: old.metric, value: null, value_sealed: own, unit: old.unit, measured_at: old.measuredAt, received_at: old.receivedAt, digest: old.digest })
        .execute();
      assert.deepEqual((await range('org-a', 'patient-1')).map((p) => p.value), [VITAL, 42]);
    }));

  test('fail/a reference copied into another reading of the same block does not open', () =>
    withTestDatabase(open, async (t) => {
      const { range } = await seeded(t);
      const { db } = t.database;
      const first = await db.selectFrom('telemetry_readings').select('value_sealed').where('device_id', '=', 'dev-1').executeTakeFirstOrThrow();
      await db.updateTable('telemetry_readings').set({ value_sealed: first.value_sealed }).where('device_id', '=', 'dev-2').execute();
      await assert.rejects(range('org-a', 'patient-2'), rejectsSealed);
    }));

  test("fail/a reading moved to another patient, time or metric does not open (its slot's digest)", () =>
    withTestDatabase(open, async (t) => {
      const { range, sealing } = await seeded(t);
      const { db } = t.database;
      await db.updateTable('telemetry_readings').set({ patient_id: 'patient-2' }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(range('org-a', 'patient-2'), rejectsSealed);
      await db.updateTable('telemetry_readings').set({ patient_id: 'patient-1', measured_at: '2026-11-28T12:00:30.000Z' }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed);
      await db.updateTable('telemetry_readings').set({ measured_at: '2026-11-28T12:00:11.000Z', metric: '59408-5' }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(vitalsStore(db, t.database.dialect, sealing).range('org-a', 'patient-1', '59408-5', HOUR[0], HOUR[1], 10, 'asc'), rejectsSealed);
    }));

  test("fail/a reference into another organization's block, to a slot past the block, or to a missing block does not open", () =>
    withTestDatabase(open, async (t) => {
      const { range } = await seeded(t);
      const { db } = t.database;
      const other = await db.selectFrom('telemetry_readings').select('value_sealed').where('org_id', '=', 'org-b').executeTakeFirstOrThrow();
      const mine = await db.selectFrom('telemetry_readings').select('value_sealed').where('device_id', '=', 'dev-1').executeTakeFirstOrThrow();
      await db.updateTable('telemetry_readings').set({ value_sealed: other.value_sealed }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, "org-b's block");
      const past = Buffer.from(mine.value_sealed as Buffer);
      past.writeUInt32BE(7, 17);
      await db.updateTable('telemetry_readings').set({ value_sealed: past }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, 'slot 7 of a 2-slot block');
      await db.updateTable('telemetry_readings').set({ value_sealed: mine.value_sealed }).where('device_id', '=', 'dev-1').execute();
      assert.deepEqual((await range('org-a', 'patient-1')).map((p) => p.value), [VITAL]);
      await db.deleteFrom('telemetry_value_batches').where('org_id', '=', 'org-a').execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, 'the block is gone');
    }));

  test("fail/a block edited, or moved to another organization or id, does not open", () =>
    withTestDatabase(open, async (t) => {
      const { range } = await seeded(t);
      const { db } = t.database;
      const block = await db.selectFrom('telemetry_value_batches').selectAll().where('org_id', '=', 'org-a').executeTakeFirstOrThrow();
      await db.updateTable('telemetry_value_batches').set({ org_id: 'org-b' }).where('id', '=', block.id).execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, 'relabelled to another organization');
      const flipped = Buffer.from(block.sealed);
      flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0x01;
      await db.updateTable('telemetry_value_batches').set({ org_id: 'org-a', sealed: flipped }).where('id', '=', block.id).execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, 'one bit of the ciphertext');
      const orgB = await db.selectFrom('telemetry_value_batches').select('sealed').where('org_id', '=', 'org-b').executeTakeFirstOrThrow();
      await db.updateTable('telemetry_value_batches').set({ sealed: orgB.sealed }).where('id', '=', block.id).execute();
      await assert.rejects(range('org-a', 'patient-1'), rejectsSealed, "org-b's block under org-a's id");
    }));

  test('ok/retention deletes a block with its last reading, not before', () =>
    withTestDatabase(open, async (t) => {
      const { sealing } = await seeded(t);
      const { db } = t.database;
      await telemetryStore(db, t.database.sqliteHandle, sealing).insertReadings([reading('org-a', 'dev-1', 'patient-1', 100, 70)]);
      const count = async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM telemetry_value_batches`.execute(db)).rows[0]?.n);
      assert.equal(await count(), 3);
      const retention = telemetryRetentionStore(db, t.database.dialect);
      await retention.removeBefore('2026-11-28T12:00:11.000Z');
      assert.equal(await count(), 3, 'the first blocks still have their readings at 12:00:11');
      await retention.removeBefore('2026-11-28T12:00:11.001Z');
      assert.equal(await count(), 1);
      assert.deepEqual(
        (await vitalsStore(db, t.database.dialect, sealing).range('org-a', 'patient-1', '8867-4', HOUR[0], HOUR[1], 10, 'asc')).map((p) => p.value),
        [70],
      );
    }));
}
