/** The BindingStore and VitalsStore contract: same answers on SQLite and PostgreSQL, buckets included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AlertRule, ClinicalAlert } from '../../alerts/index.js';
import type { PatientBinding } from '../../devices/index.js';
import type { ReadingRow, VitalBucket } from '../../telemetry/index.js';
import { alertRuleStore, clinicalAlertStore } from '../stores/clinical-alert-store.js';
import { bindingStore, vitalsStore } from '../stores/clinical-store.js';
import { telemetryRetentionStore, telemetryStore } from '../stores/telemetry-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';
import { testSealing } from './test-sealing.js';

const HR = '8867-4';

const reading = (seq: number, measuredAt: string, value: number, patientId: string | null = 'patient-1', orgId = 'org-a', metric = HR): ReadingRow => ({
  orgId,
  deviceId: `device-${orgId}`,
  patientId,
  seq,
  idx: 0,
  metric,
  value,
  unit: metric === HR ? '/min' : '%',
  measuredAt,
  receivedAt: measuredAt,
  digest: `d-${seq}`,
});

/** 1 to 40 readings at distinct times within two hours of a base time (ms), with values 30 to 250. */
const readingSamples = fc.uniqueArray(fc.record({ ms: fc.integer({ min: 0, max: 7_200_000 }), value: fc.double({ min: 30, max: 250, noNaN: true }) }), {
  selector: (r) => r.ms,
  minLength: 1,
  maxLength: 40,
});

/** The buckets equal min, max, mean and count of the samples at or after `fromMs`, bucket by bucket, none missing or extra. */
function assertBucketsOf(buckets: readonly VitalBucket[], samples: readonly { at: number; value: number }[], fromMs: number, bucketMs: number): void {
  const expected = new Map<number, number[]>();
  for (const s of samples) {
    if (s.at < fromMs) continue;
    const k = Math.floor((s.at - fromMs) / bucketMs);
    expected.set(k, [...(expected.get(k) ?? []), s.value]);
  }
  assert.deepEqual(
    buckets.map((b) => (Date.parse(b.t) - fromMs) / bucketMs),
    [...expected.keys()].sort((a, b) => a - b),
  );
  for (const b of buckets) {
    const values = expected.get((Date.parse(b.t) - fromMs) / bucketMs) ?? [];
    assert.equal(b.count, values.length);
    assert.equal(b.min, Math.min(...values));
    assert.equal(b.max, Math.max(...values));
    assert.ok(Math.abs(b.mean - values.reduce((a, x) => a + x, 0) / values.length) < 1e-6);
  }
}

const binding = (id: string, overrides: Partial<PatientBinding> = {}): PatientBinding => ({
  id,
  orgId: 'org-a',
  deviceId: 'device-1',
  patientId: 'patient-1',
  startAt: '2026-11-28T10:00:00.000Z',
  endAt: null,
  createdAt: '2026-11-28T10:00:00.000Z',
  createdBy: 'user-1',
  endedBy: null,
  ...overrides,
});

export function clinicalStoreContract(open: () => Promise<TestDatabase>, sealed = false): void {
  const sealingOf = async (t: TestDatabase) => (sealed ? (await testSealing(t)).sealing : undefined);
  const tele = async (t: TestDatabase, prepared = false) => telemetryStore(t.database.db, prepared ? t.database.sqliteHandle : undefined, await sealingOf(t));
  const vitals = async (t: TestDatabase) => vitalsStore(t.database.db, t.database.dialect, await sealingOf(t));
  test('ok/bindings are stored, listed by device and patient, and ended once; scoped by organization', () =>
    withTestDatabase(open, async (t) => {
      const store = bindingStore(t.database.db);
      await store.insert(binding('b-1', { endAt: '2026-11-28T11:00:00.000Z' }));
      await store.insert(binding('b-2', { startAt: '2026-11-28T11:00:00.000Z', patientId: 'patient-2' }));
      assert.deepEqual((await store.forDevices(['device-1'])).map((b) => b.id), ['b-1', 'b-2']);
      assert.deepEqual((await store.forPatient('org-a', 'patient-2', 10)).map((b) => b.id), ['b-2']);
      assert.equal(await store.find('org-b', 'b-2'), undefined);
      assert.equal(await store.end('org-b', 'b-2', '2026-11-28T12:00:00.000Z', 'user-x'), false);
      assert.equal(await store.end('org-a', 'b-2', '2026-11-28T12:00:00.000Z', 'user-1'), true);
      assert.equal(await store.end('org-a', 'b-2', '2026-11-28T13:00:00.000Z', 'user-1'), false);
      assert.equal((await store.find('org-a', 'b-2'))?.endAt, '2026-11-28T12:00:00.000Z');
    }));

  test('fail/a second open binding of one device is refused by the database', () =>
    withTestDatabase(open, async (t) => {
      const store = bindingStore(t.database.db);
      await store.insert(binding('b-1'));
      await assert.rejects(store.insert(binding('b-2', { startAt: '2026-11-28T12:00:00.000Z' })));
    }));

  test('ok/latest, range and buckets read only the patient of the organization', () =>
    withTestDatabase(open, async (t) => {
      await (await tele(t)).insertReadings([
        reading(1, '2026-11-28T12:00:00.000Z', 70),
        reading(2, '2026-11-28T12:00:30.000Z', 80),
        reading(3, '2026-11-28T12:01:10.000Z', 90),
        reading(4, '2026-11-28T12:01:20.000Z', 97, 'patient-1', 'org-a', '59408-5'),
        reading(1, '2026-11-28T12:00:00.000Z', 150, 'patient-1', 'org-b'),
        reading(5, '2026-11-28T12:02:00.000Z', 60, null),
      ]);
      const v = await vitals(t);
      assert.deepEqual(
        (await v.latest('org-a', 'patient-1', [HR, '59408-5', '8310-5'])).map((p) => [p.metric, p.value]),
        [
          [HR, 90],
          ['59408-5', 97],
        ],
      );
      const from = '2026-11-28T12:00:00.000Z';
      const to = '2026-11-28T13:00:00.000Z';
      assert.deepEqual((await v.range('org-a', 'patient-1', HR, from, to, 10, 'asc')).map((p) => p.value), [70, 80, 90]);
      assert.deepEqual((await v.range('org-a', 'patient-1', HR, from, to, 2, 'desc')).map((p) => p.value), [90, 80]);
      assert.deepEqual(await v.buckets('org-a', 'patient-1', HR, from, to, 60, 100), [
        { t: '2026-11-28T12:00:00.000Z', min: 70, max: 80, mean: 75, count: 2 },
        { t: '2026-11-28T12:01:00.000Z', min: 90, max: 90, mean: 90, count: 1 },
      ]);
      assert.deepEqual(await v.range('org-b', 'patient-2', HR, from, to, 10, 'asc'), []);
      assert.equal((await v.reading('org-a', 'device-org-a', 3, 0))?.value, 90);
      assert.equal(await v.reading('org-b', 'device-org-a', 3, 0), undefined);
    }));

  test('ok/buckets equal min, max, mean and count of the raw readings (fast-check)', () =>
    withTestDatabase(open, async (t) => {
      const v = await vitals(t);
      const base = Date.parse('2026-11-28T12:00:00.000Z');
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          readingSamples,
          fc.integer({ min: 1, max: 1800 }),
          fc.integer({ min: 0, max: 600_000 }),
          async (samples, bucketSeconds, shiftMs) => {
            run += 1;
            const patient = `patient-p${run}`;
            await (await tele(t)).insertReadings(
              samples.map((s, i) => ({ ...reading(i + 1, new Date(base + s.ms).toISOString(), s.value, patient), deviceId: `device-p${run}` })),
            );
            const fromMs = base + shiftMs;
            const from = new Date(fromMs).toISOString();
            const to = new Date(base + 7_200_001).toISOString();
            const buckets = await v.buckets('org-a', patient, HR, from, to, bucketSeconds, 5000);
            assertBucketsOf(buckets, samples.map((s) => ({ at: base + s.ms, value: s.value })), fromMs, bucketSeconds * 1000);
          },
        ),
        { numRuns: 30 },
      );
    }));

  test('ok/whole-minute buckets come from the minute rollups and equal the raw readings, across batches (fast-check)', () =>
    withTestDatabase(open, async (t) => {
      const v = await vitals(t);
      const base = Date.parse('2026-11-28T12:00:00.000Z');
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          readingSamples,
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 0, max: 10 }),
          async (samples, batches, bucketMinutes, shiftMinutes) => {
            run += 1;
            const patient = `patient-m${run}`;
            // Several group commits (the prepared-statement path on SQLite): a minute's rollup row is merged into, not replaced.
            const store = await tele(t, true);
            const rows = samples.map((s, i) => ({ ...reading(i + 1, new Date(base + s.ms).toISOString(), s.value, patient), deviceId: `device-m${run}` }));
            for (let b = 0; b < batches; b++) await store.insertReadings(rows.filter((_, i) => i % batches === b));
            const fromMs = base + shiftMinutes * 60_000;
            const toMs = base + 121 * 60_000;
            const bucketMs = bucketMinutes * 60_000;
            const buckets = await v.buckets('org-a', patient, HR, new Date(fromMs).toISOString(), new Date(toMs).toISOString(), bucketMinutes * 60, 5000);
            assertBucketsOf(buckets, samples.map((s) => ({ at: base + s.ms, value: s.value })), fromMs, bucketMs);
          },
        ),
        { numRuns: 30 },
      );
    }));

  test('ok/boardSeries answers as latest() and 60 s buckets() per patient, for a ward in a fixed number of queries (fast-check)', () =>
    withTestDatabase(open, async (t) => {
      const v = await vitals(t);
      const base = Date.parse('2026-11-28T12:00:00.000Z');
      const metrics = [HR, '59408-5', '8310-5'];
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          // Per patient and metric, readings in the two hours before `to` (some series fall outside the 30-minute window).
          fc.array(fc.array(readingSamples, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
          async (ward) => {
            run += 1;
            const store = await tele(t, true);
            const patients = ward.map((_, p) => `patient-w${run}-${p}`);
            let seq = 0;
            const rows: ReadingRow[] = [];
            ward.forEach((series, p) =>
              series.forEach((samples, m) => {
                // A quarter of the series have no readings at all.
                if ((p + m + run) % 4 === 0) return;
                for (const s of samples) rows.push({ ...reading((seq += 1), new Date(base + s.ms).toISOString(), s.value, patients[p] ?? null, 'org-a', metrics[m] ?? HR), deviceId: `device-w${run}` });
              }),
            );
            await store.insertReadings(rows);
            // Another organization's readings of the same patient ids are never in the answer.
            await store.insertReadings(rows.slice(0, 3).map((r) => ({ ...r, orgId: 'org-b', deviceId: `device-wb${run}`, value: 999 })));
            const to = new Date(base + 121 * 60_000).toISOString();
            const from = new Date(base + 91 * 60_000).toISOString();
            const board = await v.boardSeries('org-a', [...patients, 'patient-nobody'], metrics, from, to);
            for (const patient of patients) {
              const latest = await v.latest('org-a', patient, metrics);
              const got = board.get(patient);
              assert.ok(got !== undefined, 'every patient asked for has an entry');
              assert.deepEqual(
                [...got.entries()].map(([metric, s]) => [metric, s.latest]).sort(),
                latest.map((p) => [p.metric, p]).sort(),
              );
              for (const [metric, s] of got) {
                const buckets = await v.buckets('org-a', patient, metric, from, to, 60, 5000);
                assert.deepEqual(s.trend.map((p) => p.t), buckets.map((b) => b.t));
                s.trend.forEach((p, i) => assert.ok(Math.abs(p.v - (buckets[i]?.mean ?? Number.NaN)) < 1e-9, `mean of ${p.t}`));
              }
            }
            assert.equal(board.get('patient-nobody')?.size, 0);
          },
        ),
        { numRuns: 15 },
      );
    }));

  test('ok/readings without a patient are not rolled up; retention removes whole rollup minutes', () =>
    withTestDatabase(open, async (t) => {
      await (await tele(t, true)).insertReadings([
        reading(1, '2026-11-28T12:00:10.000Z', 70),
        reading(2, '2026-11-28T12:01:10.000Z', 80),
        reading(3, '2026-11-28T12:02:10.000Z', 90),
        reading(4, '2026-11-28T12:02:20.000Z', 60, null),
      ]);
      const minutes = async () => (await t.database.db.selectFrom('telemetry_minute_rollups').select(['minute', 'n']).orderBy('minute').execute()).map((r) => [r.minute, Number(r.n)]);
      const blocks = async () => (await t.database.db.selectFrom('telemetry_rollup_blocks').select(['hour', 'n']).orderBy('hour').execute()).map((r) => [r.hour, Number(r.n)]);
      if (sealed) {
        // Sealed: one block per hour (rollup-blocks.ts), none in clear; retention removes whole hours.
        assert.deepEqual(await minutes(), []);
        assert.deepEqual(await blocks(), [['2026-11-28T12:00:00.000Z', 3]]);
        await telemetryRetentionStore(t.database.db, t.database.dialect).removeBefore('2026-11-28T12:01:30.000Z');
        assert.deepEqual(await blocks(), [['2026-11-28T12:00:00.000Z', 3]], 'a block that straddles the cutoff stays');
        await telemetryRetentionStore(t.database.db, t.database.dialect).removeBefore('2026-11-28T13:00:00.000Z');
        assert.deepEqual(await blocks(), []);
        return;
      }
      assert.deepEqual(await minutes(), [
        ['2026-11-28T12:00:00.000Z', 1],
        ['2026-11-28T12:01:00.000Z', 1],
        ['2026-11-28T12:02:00.000Z', 1],
      ]);
      await telemetryRetentionStore(t.database.db, t.database.dialect).removeBefore('2026-11-28T12:01:30.000Z');
      assert.deepEqual(await minutes(), [
        ['2026-11-28T12:01:00.000Z', 1],
        ['2026-11-28T12:02:00.000Z', 1],
      ]);
    }));
}

const alert = (id: string, overrides: Partial<ClinicalAlert> = {}): ClinicalAlert => ({
  id,
  orgId: 'org-a',
  patientId: 'patient-1',
  ruleId: 'rule-1',
  metric: '59408-5',
  comparison: 'lt',
  threshold: 90,
  value: 85,
  severity: 'high',
  status: 'open',
  openedAt: '2026-11-28T12:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  ...overrides,
});

export function clinicalAlertStoreContract(open: () => Promise<TestDatabase>, sealed = false): void {
  const alerts = async (t: TestDatabase) => clinicalAlertStore(t.database.db, sealed ? (await testSealing(t)).sealer : undefined);
  test('ok/rules are stored, listed (organization and chosen patients) and updated, scoped by organization', () =>
    withTestDatabase(open, async (t) => {
      const store = alertRuleStore(t.database.db);
      const base: AlertRule = { id: 'r-org', orgId: 'org-a', patientId: null, metric: HR, comparison: 'gt', value: 130, durationSeconds: 30, severity: 'high', enabled: true };
      await store.insert(base, '2026-11-28T12:00:00.000Z');
      await store.insert({ ...base, id: 'r-p1', patientId: 'patient-1', value: 150 }, '2026-11-28T12:00:01.000Z');
      await store.insert({ ...base, id: 'r-p2', patientId: 'patient-2' }, '2026-11-28T12:00:02.000Z');
      assert.deepEqual((await store.list('org-a')).map((r) => r.id), ['r-org', 'r-p1', 'r-p2']);
      assert.deepEqual((await store.list('org-a', { patientIds: ['patient-1'] })).map((r) => r.id), ['r-org', 'r-p1']);
      assert.deepEqual((await store.list('org-a', { orgOnly: true })).map((r) => r.id), ['r-org']);
      assert.deepEqual(await store.list('org-b'), []);
      assert.equal(await store.update({ ...base, value: 140, enabled: false }, '2026-11-28T13:00:00.000Z'), true);
      assert.deepEqual(await store.find('org-a', 'r-org'), { ...base, value: 140, enabled: false });
      assert.equal(await store.update({ ...base, orgId: 'org-b' }, '2026-11-28T13:00:00.000Z'), false);
    }));

  test('ok/one unresolved alert per rule and patient; a resolved one allows the next; transitions move once', () =>
    withTestDatabase(open, async (t) => {
      const store = await alerts(t);
      assert.equal(await store.insertIfNone(alert('a-1')), true);
      assert.equal(await store.insertIfNone(alert('a-2')), false);
      assert.equal(await store.insertIfNone(alert('a-3', { patientId: 'patient-2' })), true);
      const resolved = alert('a-1', { status: 'resolved', resolvedAt: '2026-11-28T12:05:00.000Z', resolvedBy: 'u-1', acknowledgedAt: '2026-11-28T12:05:00.000Z', acknowledgedBy: 'u-1' });
      assert.equal(await store.transition('org-b', 'a-1', ['open'], resolved), false);
      assert.equal(await store.transition('org-a', 'a-1', ['open', 'acknowledged'], resolved), true);
      assert.equal(await store.transition('org-a', 'a-1', ['open', 'acknowledged'], resolved), false);
      assert.deepEqual(await store.find('org-a', 'a-1'), resolved);
      assert.equal(await store.insertIfNone(alert('a-4', { openedAt: '2026-11-28T12:10:00.000Z' })), true);
      assert.deepEqual((await store.list('org-a', { patientIds: ['patient-1'], limit: 10 })).map((a) => a.id), ['a-4', 'a-1']);
      assert.deepEqual((await store.list('org-a', { patientIds: ['patient-1', 'patient-2'], status: 'open', limit: 10 })).map((a) => a.id).sort(), ['a-3', 'a-4']);
      assert.deepEqual(await store.list('org-b', { patientIds: ['patient-1'], limit: 10 }), []);
      assert.equal(await store.insertIfNone(alert('a-5', { ruleId: 'rule-2', severity: 'low' })), true);
      const counts = (await store.openCounts('org-a')).map((c) => `${c.patientId}/${c.severity}/${c.count}`).sort();
      assert.deepEqual(counts, ['patient-1/high/1', 'patient-1/low/1', 'patient-2/high/1'], 'open alerts counted per patient and severity');
      assert.deepEqual(await store.openCounts('org-b'), []);
    }));

  test('fail/the database itself refuses a second unresolved alert for a rule and patient', () =>
    withTestDatabase(open, async (t) => {
      await (await alerts(t)).insertIfNone(alert('a-1', { status: 'acknowledged' }));
      await assert.rejects(t.database.db.insertInto('clinical_alerts').values({
        id: 'a-2', org_id: 'org-a', patient_id: 'patient-1', rule_id: 'rule-1', metric: '59408-5', comparison: 'lt', threshold: 90, value: 85,
        severity: 'high', status: 'open', opened_at: '2026-11-28T12:01:00.000Z', acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null,
      }).execute());
    }));
}
