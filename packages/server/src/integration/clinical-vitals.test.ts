/**
 * Clinical data end to end over a real platform (SQLite, audit chain, ManualClock): bindings and
 * the attribution of readings at measurement time, the vitals API under the PHI rule (404 outside
 * the care team, data and an audit event under break-glass), and bucketed queries that match the
 * raw data (fast-check).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError, newId } from '../kernel/index.js';
import type { IngestDevice } from '../telemetry/index.js';
import { clinician, makeClinicalHarness, patientWithTeam, type ClinicalHarness } from './clinical-fixtures.js';
import { auditEvents, contextOf, makeUser, rejectsWith, type UserPrincipal } from './patients-fixtures.js';

const HR = '8867-4';
const SPO2 = '59408-5';

function at(h: ClinicalHarness, offsetSeconds: number): string {
  return new Date(h.clock.now().getTime() + offsetSeconds * 1000).toISOString();
}

describe('clinical data: bindings and vitals', () => {
  let h: ClinicalHarness;
  let doctor: UserPrincipal;
  let outsider: UserPrincipal;
  let device: IngestDevice;
  let p1: string;
  let p2: string;

  before(async () => {
    h = await makeClinicalHarness();
    doctor = await clinician(h, 'doctor');
    outsider = await clinician(h, 'outsider');
    p1 = await patientWithTeam(h, 'MRN-C1', [doctor]);
    p2 = await patientWithTeam(h, 'MRN-C2', [doctor]);
    device = await h.addDevice();
  });
  after(() => h.dispose());

  it('ok/readings go to the patient bound when they were measured, late deliveries included', async () => {
    const start = at(h, -600);
    const b1 = await h.bindings.bind(contextOf(h.admin), { patientId: p1, deviceId: device.deviceId, startAt: start });
    // Before the binding: no patient.
    await h.send(device, [{ ts: at(h, -700), readings: [{ metric: HR, value: 70, unit: '/min' }] }]);
    await h.send(device, [{ ts: at(h, -500), readings: [{ metric: HR, value: 71, unit: '/min' }] }]);
    await h.bindings.end(contextOf(h.admin), b1.id, at(h, -300));
    await h.bindings.bind(contextOf(h.admin), { patientId: p2, deviceId: device.deviceId, startAt: at(h, -300) });
    // Measured while bound to p1 but delivered after the switch (store-and-forward): still p1.
    await h.send(device, [
      { ts: at(h, -301), readings: [{ metric: HR, value: 72, unit: '/min' }] },
      { ts: at(h, -300), readings: [{ metric: HR, value: 73, unit: '/min' }] },
      { ts: at(h, -10), readings: [{ metric: HR, value: 74, unit: '/min' }, { metric: SPO2, value: 97, unit: '%' }] },
    ]);
    const byValue = new Map(h.committed.map((r) => [`${r.metric}:${r.value}`, r.patientId]));
    assert.equal(byValue.get(`${HR}:70`), null);
    assert.equal(byValue.get(`${HR}:71`), p1);
    assert.equal(byValue.get(`${HR}:72`), p1);
    assert.equal(byValue.get(`${HR}:73`), p2, 'the end instant belongs to the next binding');
    assert.equal(byValue.get(`${HR}:74`), p2);
    assert.equal(byValue.get(`${SPO2}:97`), p2);
    const listed = await h.bindings.listForPatient(contextOf(doctor), p1);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.endAt, at(h, -300));
  });

  it('fail/overlapping bindings of one device are refused', async () => {
    const other = await h.addDevice();
    await h.bindings.bind(contextOf(h.admin), { patientId: p1, deviceId: other.deviceId, startAt: at(h, -100) });
    await assert.rejects(h.bindings.bind(contextOf(h.admin), { patientId: p2, deviceId: other.deviceId, startAt: at(h, -50) }), rejectsWith('BINDING_OVERLAP'));
    await assert.rejects(h.bindings.bind(contextOf(h.admin), { patientId: p2, deviceId: other.deviceId, startAt: at(h, -200) }), rejectsWith('BINDING_OVERLAP'));
  });

  it('fail/another organization cannot bind, list or end', async () => {
    const foreign = makeUser(newId(), ['org-admin'], 'foreign');
    await assert.rejects(h.bindings.bind(contextOf(foreign), { patientId: p1, deviceId: device.deviceId }), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(h.bindings.listForPatient(contextOf(foreign), p1), rejectsWith('PATIENTS_NOT_FOUND'));
    const [b] = await h.bindings.listForPatient(contextOf(h.admin), p2);
    assert.ok(b);
    await assert.rejects(h.bindings.end(contextOf(foreign), b.id), rejectsWith('BINDING_NOT_FOUND'));
  });

  it('ok/the care team reads latest and range; the read is audited', async () => {
    const latest = await h.vitals.latest(contextOf(doctor), p2);
    assert.deepEqual(
      latest.map((v) => [v.metric, v.value]),
      [
        [HR, 74],
        [SPO2, 97],
      ],
    );
    const range = await h.vitals.range(contextOf(doctor), p1, { metrics: [HR], from: at(h, -3600), to: at(h, 1) });
    assert.deepEqual(range.series[0]?.points?.map((p) => p.v), [71, 72]);
    const events = await auditEvents(h);
    const read = events.filter((e) => e.action === 'telemetry.vitals.range' && e.targetId === p1 && e.actorId === doctor.id);
    assert.equal(read.length, 1);
    assert.equal(read[0]?.outcome, 'success');
    assert.equal(read[0]?.reason, 'care-team');
  });

  it('fail/a clinician outside the care team gets 404 (audited as denied); ok/under break-glass reads, and the audit shows it', async () => {
    await assert.rejects(h.vitals.range(contextOf(outsider), p1, { metrics: [HR], from: at(h, -3600), to: at(h, 1) }), rejectsWith('VITALS_NOT_FOUND'));
    await assert.rejects(h.vitals.latest(contextOf(outsider), p1), rejectsWith('VITALS_NOT_FOUND'));
    const grant = await h.breakGlass.grant(contextOf(outsider), p1, 'Patient collapsed in the corridor, attending');
    const range = await h.vitals.range(contextOf(outsider), p1, { metrics: [HR], from: at(h, -3600), to: at(h, 1) });
    assert.deepEqual(range.series[0]?.points?.map((p) => p.v), [71, 72]);
    assert.equal(range.access.basis, 'break-glass');
    const events = (await auditEvents(h)).filter((e) => e.action === 'telemetry.vitals.range' && e.actorId === outsider.id);
    assert.deepEqual(
      events.map((e) => [e.outcome, e.reason]),
      [
        ['denied', 'care-relationship-required'],
        ['success', 'break-glass'],
      ],
    );
    assert.equal(events[1]?.details['grantId'], grant.id);
  });

  it('ok/one reading by its key, under the PHI rule; fail/404 outside the care team and for unattributed readings', async () => {
    const row = h.committed.find((r) => r.metric === HR && r.value === 71);
    assert.ok(row);
    const key = { deviceId: row.deviceId, seq: row.seq, idx: row.idx };
    const found = await h.vitals.reading(contextOf(doctor), key);
    assert.equal(found.value, 71);
    assert.equal(found.patientId, p1);
    const unattributed = h.committed.find((r) => r.patientId === null);
    assert.ok(unattributed);
    await assert.rejects(h.vitals.reading(contextOf(doctor), { deviceId: unattributed.deviceId, seq: unattributed.seq, idx: 0 }), rejectsWith('VITALS_NOT_FOUND'));
    const stranger = await clinician(h, 'stranger');
    await assert.rejects(h.vitals.reading(contextOf(stranger), key), rejectsWith('VITALS_NOT_FOUND'));
  });

  it('fail/another tenant and unknown patients are 404; a technician is forbidden', async () => {
    const foreign = makeUser(newId(), ['clinician'], 'foreign');
    await assert.rejects(h.vitals.latest(contextOf(foreign), p1), rejectsWith('VITALS_NOT_FOUND'));
    await assert.rejects(h.vitals.latest(contextOf(doctor), newId()), rejectsWith('VITALS_NOT_FOUND'));
    const tech = makeUser(h.orgId, ['technician'], 'tech');
    await assert.rejects(h.vitals.latest(contextOf(tech), p1), (e: unknown) => isAppError(e) && e.status === 403);
  });

  it('ok/the ward board decides and audits per patient in one go (care team, break-glass); fail/refused patients are left out and audited as denied', async () => {
    const board = await h.vitals.board(contextOf(doctor), [p1, p2]);
    assert.deepEqual(board.map((b) => [b.patientId, b.basis]), [
      [p1, 'care-team'],
      [p2, 'care-team'],
    ]);
    const shown = board.find((b) => b.patientId === p2)?.vitals.flatMap((v) => (v.latest === null ? [] : [[v.metric, v.latest.v]]));
    assert.deepEqual(shown?.sort(), (await h.vitals.latest(contextOf(doctor), p2)).map((v) => [v.metric, v.value]).sort());
    // The outsider holds a break-glass grant to p1 (the test above), none to p2; one id is nobody's.
    const nobody = newId();
    const theirs = await h.vitals.board(contextOf(outsider), [p1, p2, nobody]);
    assert.deepEqual(theirs.map((b) => [b.patientId, b.basis]), [[p1, 'break-glass']]);
    const events = (await auditEvents(h)).filter((e) => e.action === 'telemetry.vitals.board' && e.actorId === outsider.id);
    assert.deepEqual(
      events.map((e) => [e.targetId, e.outcome, e.reason]),
      [
        [p1, 'success', 'break-glass'],
        [p2, 'denied', 'care-relationship-required'],
        [nobody, 'denied', 'not-found'],
      ],
    );
    assert.ok(typeof events[0]?.details['grantId'] === 'string', 'the grant is named');
    // Another organization's clinician: nothing, each refusal audited.
    const foreign = makeUser(newId(), ['clinician'], 'foreign');
    assert.deepEqual(await h.vitals.board(contextOf(foreign), [p1, p2]), []);
    assert.equal((await auditEvents(h)).filter((e) => e.action === 'telemetry.vitals.board' && e.actorId === foreign.id && e.outcome === 'denied').length, 2);
  });

  it('fail/invalid queries are refused before any read', async () => {
    for (const q of [
      { metrics: ['0000-0'] },
      { from: at(h, 0), to: at(h, -1) },
      { from: at(h, -86_400 * 400), to: at(h, 0) },
      { bucketSeconds: 1, from: at(h, -86_400), to: at(h, 0) },
    ]) {
      await assert.rejects(h.vitals.range(contextOf(doctor), p1, q), rejectsWith('VITALS_QUERY_INVALID'));
    }
  });
});

describe('clinical data: bucketed queries match the raw data (fast-check)', () => {
  let h: ClinicalHarness;
  let doctor: UserPrincipal;

  before(async () => {
    h = await makeClinicalHarness();
    doctor = await clinician(h, 'doctor');
  });
  after(() => h.dispose());

  it('ok/min, max, mean and count per bucket equal those computed from the raw points', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ offsetMs: fc.integer({ min: 0, max: 3_600_000 - 1 }), value: fc.integer({ min: 30, max: 250 }) }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(1, 7, 60, 300, 900, 3600),
        fc.integer({ min: 0, max: 59_999 }),
        async (samples, bucketSeconds, fromShiftMs) => {
          const patient = await patientWithTeam(h, `MRN-${newId().slice(0, 12)}`, [doctor]);
          const device = await h.addDevice();
          const base = h.clock.now().getTime() - 3_700_000;
          await h.bindings.bind(contextOf(h.admin), { patientId: patient, deviceId: device.deviceId, startAt: new Date(base).toISOString() });
          // Distinct times per device: one message per instant.
          const unique = [...new Map(samples.map((s) => [s.offsetMs, s])).values()].sort((a, b) => a.offsetMs - b.offsetMs);
          await h.send(
            device,
            unique.map((s) => ({ ts: new Date(base + s.offsetMs).toISOString(), readings: [{ metric: HR, value: s.value, unit: '/min' }] })),
          );
          const from = new Date(base + fromShiftMs).toISOString();
          const to = new Date(base + 3_600_000).toISOString();
          const ctx = contextOf(doctor);
          const answer = await h.vitals.range(ctx, patient, { metrics: [HR], from, to, bucketSeconds });
          const bucketed = answer.series[0]?.buckets ?? [];
          // Whole-minute buckets widen the range to whole minutes (and read the minute rollups): compare over the range used.
          if (bucketSeconds % 60 === 0) {
            assert.equal(answer.from, new Date(Math.floor(Date.parse(from) / 60_000) * 60_000).toISOString());
            assert.equal(answer.to, new Date(Math.ceil(Date.parse(to) / 60_000) * 60_000).toISOString());
          } else {
            assert.deepEqual([answer.from, answer.to], [from, to]);
          }
          const raw = (await h.vitals.range(ctx, patient, { metrics: [HR], from: answer.from, to: answer.to })).series[0]?.points ?? [];
          const fromMs = Date.parse(answer.from);
          const expected = new Map<number, number[]>();
          for (const p of raw) {
            const k = Math.floor((Date.parse(p.t) - fromMs) / (bucketSeconds * 1000));
            expected.set(k, [...(expected.get(k) ?? []), p.v]);
          }
          assert.equal(raw.length, unique.filter((s) => base + s.offsetMs >= fromMs && base + s.offsetMs < Date.parse(answer.to)).length);
          assert.equal(bucketed.length, expected.size);
          for (const b of bucketed) {
            const k = (Date.parse(b.t) - fromMs) / (bucketSeconds * 1000);
            assert.ok(Number.isInteger(k));
            const values = expected.get(k);
            assert.ok(values, `bucket ${b.t} has no raw points`);
            assert.equal(b.count, values.length);
            assert.equal(b.min, Math.min(...values));
            assert.equal(b.max, Math.max(...values));
            assert.ok(Math.abs(b.mean - values.reduce((a, v) => a + v, 0) / values.length) < 1e-9);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
