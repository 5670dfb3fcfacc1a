/**
 * Clinical alerts end to end over a real platform: default rules, evaluation after the commit,
 * no duplicate while one is unresolved, the lifecycle with who and when (audited), the PHI rule on
 * lists and changes (404 outside the care team), per-patient overrides, and live events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError, SYSTEM_PRINCIPAL } from '../kernel/index.js';
import type { IngestDevice } from '../telemetry/index.js';
import { clinician, makeClinicalHarness, patientWithTeam, type ClinicalHarness } from './clinical-fixtures.js';
import { auditEvents, contextOf, rejectsWith, type UserPrincipal } from './patients-fixtures.js';

const SPO2 = '59408-5';
const HR = '8867-4';

describe('clinical alerts', () => {
  let h: ClinicalHarness;
  let doctor: UserPrincipal;
  let outsider: UserPrincipal;
  let patient: string;
  let other: string;
  let device: IngestDevice;
  let device2: IngestDevice;
  const t0 = () => h.clock.now().getTime() - 3600_000;
  const series = (metric: string, unit: string, fromS: number, toS: number, value: number) =>
    Array.from({ length: toS - fromS + 1 }, (_, i) => ({ ts: new Date(t0() + (fromS + i) * 1000).toISOString(), readings: [{ metric, value, unit }] }));

  before(async () => {
    h = await makeClinicalHarness();
    doctor = await clinician(h, 'doctor');
    outsider = await clinician(h, 'outsider');
    patient = await patientWithTeam(h, 'MRN-A1', [doctor]);
    other = await patientWithTeam(h, 'MRN-A2', [doctor]);
    device = await h.addDevice();
    device2 = await h.addDevice();
    assert.equal(await h.clinicalAlerts.seedDefaultRules({ principal: SYSTEM_PRINCIPAL, requestId: 'seed', source: 'local' }, h.orgId), 6);
    await h.bindings.bind(contextOf(h.admin), { patientId: patient, deviceId: device.deviceId, startAt: new Date(t0()).toISOString() });
    await h.bindings.bind(contextOf(h.admin), { patientId: other, deviceId: device2.deviceId, startAt: new Date(t0()).toISOString() });
  });
  after(() => h.dispose());

  it('ok/SpO2 below 90 for 60 s opens one alert; fail/no duplicate while it is unresolved', async () => {
    await h.send(device, series(SPO2, '%', 0, 30, 97));
    await h.send(device, series(SPO2, '%', 31, 80, 86)); // 49 s below: not yet
    assert.equal((await h.clinicalAlerts.listAlerts(contextOf(doctor))).length, 0);
    await h.send(device, series(SPO2, '%', 81, 100, 85)); // 60 s reached at 91
    await h.send(device, series(SPO2, '%', 101, 110, 97));
    await h.send(device, series(SPO2, '%', 111, 200, 84)); // a second episode while the first is open
    const alerts = await h.clinicalAlerts.listAlerts(contextOf(doctor));
    assert.equal(alerts.length, 1);
    const [alert] = alerts;
    assert.ok(alert);
    assert.equal(alert.status, 'open');
    assert.equal(alert.metric, SPO2);
    assert.equal(alert.threshold, 90);
    assert.equal(alert.openedAt, new Date(t0() + 91_000).toISOString());
    assert.ok(h.live.some((e) => e.kind === 'alert' && e.alert.id === alert.id));
    assert.ok(h.live.some((e) => e.kind === 'vital' && e.patientId === patient && e.vital.value === 85));
  });

  it('fail/a clinician outside the care team sees no alerts and cannot act on them (404)', async () => {
    assert.deepEqual(await h.clinicalAlerts.listAlerts(contextOf(outsider)), []);
    const [alert] = await h.clinicalAlerts.listAlerts(contextOf(doctor));
    assert.ok(alert);
    await assert.rejects(h.clinicalAlerts.acknowledge(contextOf(outsider), alert.id), rejectsWith('CLINICAL_ALERT_NOT_FOUND'));
    await assert.rejects(h.clinicalAlerts.listAlerts(contextOf(outsider), { patientId: patient }), rejectsWith('CLINICAL_ALERT_NOT_FOUND'));
  });

  it('ok/acknowledge then resolve records who and when, audited; fail/acknowledging a resolved alert conflicts', async () => {
    const [alert] = await h.clinicalAlerts.listAlerts(contextOf(doctor), { status: 'open' });
    assert.ok(alert);
    h.clock.advance(5_000);
    const acked = await h.clinicalAlerts.acknowledge(contextOf(doctor), alert.id);
    assert.equal(acked.status, 'acknowledged');
    assert.equal(acked.acknowledgedBy, doctor.id);
    assert.equal(acked.acknowledgedAt, h.clock.now().toISOString());
    const resolved = await h.clinicalAlerts.resolve(contextOf(doctor), alert.id);
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.resolvedBy, doctor.id);
    await assert.rejects(h.clinicalAlerts.acknowledge(contextOf(doctor), alert.id), rejectsWith('CLINICAL_ALERT_STATE_CONFLICT'));
    const actions = (await auditEvents(h)).filter((e) => e.targetId === alert.id).map((e) => [e.action, e.outcome, e.actorId]);
    assert.deepEqual(actions, [
      ['alerts.clinical.open', 'success', SYSTEM_PRINCIPAL.id],
      ['alerts.clinical.acknowledge', 'success', doctor.id],
      ['alerts.clinical.resolve', 'success', doctor.id],
      ['alerts.clinical.acknowledge', 'failure', doctor.id],
    ]);
  });

  it('ok/after resolution a new episode opens a new alert', async () => {
    await h.send(device, series(SPO2, '%', 201, 210, 97));
    await h.send(device, series(SPO2, '%', 211, 280, 83));
    const open = await h.clinicalAlerts.listAlerts(contextOf(doctor), { status: 'open', patientId: patient });
    assert.equal(open.length, 1);
  });

  it('ok/a patient rule replaces the organization rule for that metric; fail/only org-admin writes rules', async () => {
    await assert.rejects(
      h.clinicalAlerts.createRule(contextOf(doctor), { patientId: other, metric: HR, comparison: 'gt', value: 150, durationSeconds: 0, severity: 'low' }),
      (e: unknown) => isAppError(e) && e.status === 403,
    );
    const rule = await h.clinicalAlerts.createRule(contextOf(h.admin), { patientId: other, metric: HR, comparison: 'gt', value: 150, durationSeconds: 0, severity: 'low' });
    await h.send(device2, series(HR, '/min', 0, 60, 140)); // over the org's 130 for 60 s, under the patient's 150
    assert.equal((await h.clinicalAlerts.listAlerts(contextOf(doctor), { patientId: other })).length, 0);
    await h.send(device2, series(HR, '/min', 61, 61, 155));
    const alerts = await h.clinicalAlerts.listAlerts(contextOf(doctor), { patientId: other });
    assert.deepEqual(alerts.map((a) => [a.ruleId, a.value]), [[rule.id, 155]]);
    const listed = await h.clinicalAlerts.listRules(contextOf(doctor), other);
    assert.equal(listed.length, 7);
  });
});
