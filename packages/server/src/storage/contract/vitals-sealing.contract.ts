/**
 * Vitals at rest (issue 11, ADR 0008), on every adapter: what the database holds is sealed, a
 * sealed value does not open in another row, and a KEK rotation re-wraps the data keys while
 * every value still reads back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { ClinicalAlert } from '../../alerts/index.js';
import { isAppError } from '../../kernel/index.js';
import type { ReadingRow } from '../../telemetry/index.js';
import { clinicalAlertStore } from '../stores/clinical-alert-store.js';
import { vitalsStore } from '../stores/clinical-store.js';
import { fhirReadingStore } from '../stores/fhir-reading-store.js';
import { sealedDataKeyStore } from '../stores/sealed-data-key-store.js';
import { telemetryStore } from '../stores/telemetry-store.js';
import { sealPlaintextVitals } from '../seal-plaintext-vitals.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';
import { testKeyProvider, testSealing } from './test-sealing.js';

/** A value no other number in these tests has. */
const VITAL = 137.421875;
const T = '2026-11-28T12:00:10.000Z';

const reading = (seq: number, patientId: string, value: number, deviceId = 'dev-1'): ReadingRow => ({
  orgId: 'org-a',
  deviceId,
  patientId,
  seq,
  idx: 0,
  metric: '8867-4',
  value,
  unit: '/min',
  measuredAt: new Date(Date.parse(T) + seq * 1000).toISOString(),
  receivedAt: T,
  digest: `d-${deviceId}-${seq}`,
});

const alert: ClinicalAlert = {
  id: 'alert-1',
  orgId: 'org-a',
  patientId: 'patient-1',
  ruleId: 'rule-1',
  metric: '8867-4',
  comparison: 'gt',
  threshold: 130,
  value: VITAL,
  severity: 'high',
  status: 'open',
  openedAt: T,
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
};

const rejectsSealed = (error: unknown): boolean => isAppError(error) && error.code === 'KEYS_CIPHERTEXT_INVALID';

async function seeded(t: TestDatabase) {
  const { sealing, sealer } = await testSealing(t);
  await telemetryStore(t.database.db, t.database.sqliteHandle, sealing).insertReadings([reading(1, 'patient-1', VITAL), reading(2, 'patient-2', 61, 'dev-2')]);
  await clinicalAlertStore(t.database.db, sealer).insertIfNone(alert);
  return { sealing, sealer, vitals: vitalsStore(t.database.db, t.database.dialect, sealing) };
}

export function vitalsSealingContract(open: () => Promise<TestDatabase>): void {
  test('ok/readings, rollups and alert values are stored sealed only, and read back exactly', () =>
    withTestDatabase(open, async (t) => {
      const { sealing, sealer, vitals } = await seeded(t);
      const { db } = t.database;
      const plain = await sql<{ n: number }>`SELECT count(*) AS n FROM telemetry_readings WHERE value IS NOT NULL OR value_sealed IS NULL`.execute(db);
      assert.equal(Number(plain.rows[0]?.n), 0);
      const rollups = await sql<{ n: number }>`SELECT count(*) AS n FROM telemetry_minute_rollups`.execute(db);
      assert.equal(Number(rollups.rows[0]?.n), 0, 'no rollup in clear');
      const blocks = await sql<{ n: number }>`SELECT count(*) AS n FROM telemetry_rollup_blocks`.execute(db);
      assert.equal(Number(blocks.rows[0]?.n), 2, 'one sealed block per patient, metric and hour');
      const alerts = await sql<{ n: number }>`SELECT count(*) AS n FROM clinical_alerts WHERE value IS NOT NULL OR value_sealed IS NULL`.execute(db);
      assert.equal(Number(alerts.rows[0]?.n), 0);
      // No column of any of these rows holds the value, in any spelling.
      const raw = await sql<Record<string, unknown>>`SELECT * FROM telemetry_readings`.execute(db);
      const rawRollups = await sql<Record<string, unknown>>`SELECT * FROM telemetry_rollup_blocks`.execute(db);
      const rawAlerts = await sql<Record<string, unknown>>`SELECT * FROM clinical_alerts`.execute(db);
      const rawBlocks = await sql<Record<string, unknown>>`SELECT * FROM telemetry_value_batches`.execute(db);
      assert.equal(rawBlocks.rows.length, 1, 'one block of values for the batch');
      const needles = [Buffer.from(String(VITAL)), (() => { const b = Buffer.alloc(8); b.writeDoubleLE(VITAL); return b; })(), (() => { const b = Buffer.alloc(8); b.writeDoubleBE(VITAL); return b; })()];
      for (const row of [...raw.rows, ...rawRollups.rows, ...rawAlerts.rows, ...rawBlocks.rows]) {
        for (const v of Object.values(row)) {
          const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
          for (const needle of needles) assert.equal(bytes.includes(needle), false, `a stored column holds ${VITAL}`);
        }
      }
      assert.equal((await vitals.latest('org-a', 'patient-1', ['8867-4']))[0]?.value, VITAL);
      assert.deepEqual(await vitals.buckets('org-a', 'patient-1', '8867-4', '2026-11-28T12:00:00.000Z', '2026-11-28T13:00:00.000Z', 3600, 10), [
        { t: '2026-11-28T12:00:00.000Z', min: VITAL, max: VITAL, mean: VITAL, count: 1 },
      ]);
      assert.equal((await fhirReadingStore(t.database.db, sealing).message('org-a', 'patient-1', 'dev-1', 1))[0]?.value, VITAL);
      assert.equal((await clinicalAlertStore(t.database.db, sealer).find('org-a', 'alert-1'))?.value, VITAL);
    }));

  test('fail/a sealed value swapped into another patient\'s row, or a rollup count changed, does not open', () =>
    withTestDatabase(open, async (t) => {
      const { vitals } = await seeded(t);
      const { db } = t.database;
      const first = await db.selectFrom('telemetry_readings').select('value_sealed').where('device_id', '=', 'dev-1').executeTakeFirstOrThrow();
      await db.updateTable('telemetry_readings').set({ value_sealed: first.value_sealed }).where('device_id', '=', 'dev-2').execute();
      await assert.rejects(vitals.latest('org-a', 'patient-2', ['8867-4']), rejectsSealed);
      await db.updateTable('telemetry_rollup_blocks').set({ n: 2 }).where('patient_id', '=', 'patient-1').execute();
      await assert.rejects(vitals.buckets('org-a', 'patient-1', '8867-4', '2026-11-28T12:00:00.000Z', '2026-11-28T13:00:00.000Z', 3600, 10), rejectsSealed);
      await db.updateTable('telemetry_readings').set({ value_sealed: null, value: 70 }).where('device_id', '=', 'dev-1').execute();
      await assert.rejects(vitals.latest('org-a', 'patient-1', ['8867-4']), rejectsSealed, 'a row in clear is refused, not read');
    }));

  test('ok/rollups merge across batches; a KEK rotation re-wraps every data key and the values still read back', () =>
    withTestDatabase(open, async (t) => {
      const { sealing, vitals } = await seeded(t);
      await telemetryStore(t.database.db, t.database.sqliteHandle, sealing).insertReadings([reading(3, 'patient-1', 40)]);
      const hour = ['org-a', 'patient-1', '8867-4', '2026-11-28T12:00:00.000Z', '2026-11-28T13:00:00.000Z', 3600, 10] as const;
      assert.deepEqual(await vitals.buckets(...hour), [{ t: '2026-11-28T12:00:00.000Z', min: 40, max: VITAL, mean: (VITAL + 40) / 2, count: 2 }]);
      const keys = await testKeyProvider();
      const retired = keys.active('kek').id;
      await keys.rotate('kek');
      assert.ok((await sealing.rewrapDataKeys()) >= 1);
      const byKek = await sealedDataKeyStore(t.database.db).countByKek();
      assert.equal(byKek.get(retired), undefined, 'no data key is left under the retired KEK');
      assert.deepEqual(await vitals.buckets(...hour), [{ t: '2026-11-28T12:00:00.000Z', min: 40, max: VITAL, mean: (VITAL + 40) / 2, count: 2 }]);
    }));

  test('ok/the adapter reports how its connection is protected in transit (PostgreSQL: pg_stat_ssl; SQLite: a local file)', () =>
    withTestDatabase(open, async (t) => {
      const transport = await t.database.transportSecurity?.();
      if (t.database.dialect === 'sqlite') assert.deepEqual(transport, { kind: 'local-file' });
      else assert.ok(transport?.kind === 'tls' || transport?.kind === 'plaintext', JSON.stringify(transport));
    }));

  test('ok/a database written in clear is sealed by the first-start migration, compacted, and reads back', () =>
    withTestDatabase(open, async (t) => {
      const { sealing, sealer } = await testSealing(t);
      const { db } = t.database;
      await telemetryStore(db, t.database.sqliteHandle).insertReadings([reading(1, 'patient-1', VITAL), reading(2, 'patient-1', 40)]);
      await clinicalAlertStore(db).insertIfNone(alert);
      const lines: string[] = [];
      const report = await sealPlaintextVitals(t.database, sealing, sealer, (line) => void lines.push(line));
      assert.deepEqual(report, { readings: 2, rollups: 1, alerts: 1, compacted: true });
      assert.match(lines.join('\n'), /sealing 4 vitals stored in clear/);
      const clear = await sql<{ n: number }>`SELECT (SELECT count(*) FROM telemetry_readings WHERE value IS NOT NULL) + (SELECT count(*) FROM telemetry_minute_rollups) + (SELECT count(*) FROM clinical_alerts WHERE value IS NOT NULL) AS n`.execute(db);
      assert.equal(Number(clear.rows[0]?.n), 0);
      const vitals = vitalsStore(db, t.database.dialect, sealing);
      assert.deepEqual((await vitals.range('org-a', 'patient-1', '8867-4', T, '2026-11-28T13:00:00.000Z', 10, 'asc')).map((p) => p.value), [VITAL, 40]);
      assert.deepEqual(await vitals.buckets('org-a', 'patient-1', '8867-4', '2026-11-28T12:00:00.000Z', '2026-11-28T13:00:00.000Z', 3600, 10), [
        { t: '2026-11-28T12:00:00.000Z', min: 40, max: VITAL, mean: (VITAL + 40) / 2, count: 2 },
      ]);
      assert.equal((await clinicalAlertStore(db, sealer).find('org-a', 'alert-1'))?.value, VITAL);
      assert.equal(await sealPlaintextVitals(t.database, sealing, sealer, (line) => void lines.push(line)), undefined, 'nothing left: the next start does nothing');
    }));
}
