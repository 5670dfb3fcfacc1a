/**
 * Clinical data over HTTPS on a running server: bindings, ingest attributed to the bound patient
 * and evaluated for alerts after the commit, the vitals API (404 outside the care team, data and
 * an audit event under break-glass), the alerts inbox, and the live SSE stream.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAllEvents } from '../audit/index.js';
import { newId, SYSTEM_PRINCIPAL } from '../kernel/index.js';
import { deviceStore } from '../storage/index.js';
import { errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';

describe('clinical data over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let doctor: Signed;
  let outsider: Signed;
  let patientId: string;
  let deviceId: string;
  let orgId: string;

  const train = async (userId: string) => {
    const now = h.clock.now().getTime();
    const answer = await h.as(admin, 'POST', `/api/v1/users/${userId}/training`, {
      course: 'hipaa-privacy-security',
      completedAt: new Date(now - 86_400_000).toISOString(),
      expiresAt: new Date(now + 300 * 86_400_000).toISOString(),
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  };

  before(async () => {
    h = await IdentityHarness.start();
    const adminId = await h.setup();
    admin = await h.signIn('admin', 'Tulip-Granite-Orbit-4217');
    assert.equal(admin.userId, adminId);
    doctor = await h.createUser(admin, 'doctor', ['clinician']);
    outsider = await h.createUser(admin, 'outsider', ['clinician']);
    for (const u of [admin, doctor, outsider]) await train(u.userId);
    const created = await h.as(admin, 'POST', '/api/v1/patients', { mrn: 'MRN-H1', givenName: 'Grace', familyName: 'Hopper', birthDate: '1906-12-09', sex: 'female' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    patientId = created.body['id'] as string;
    orgId = created.body['orgId'] as string;
    const team = await h.as(admin, 'PUT', `/api/v1/patients/${patientId}/care-team`, { members: [{ userId: doctor.userId, role: 'primary' }] });
    assert.equal(team.status, 200);
    deviceId = newId();
    const at = h.clock.now().toISOString();
    await deviceStore(h.t.platform.database.db).insert({
      id: deviceId, orgId, model: 'vigil-sim', serial: 'SIM-HTTP-1', udi: null, firmwareVersion: null, status: 'active', statusReason: null,
      statusChangedAt: at, groups: [], createdAt: at, lastSeenAt: null, lastSeenAddress: null, certificate: null,
    });
    await h.t.platform.clinical.alerts.seedDefaultRules({ principal: SYSTEM_PRINCIPAL, requestId: 'seed', source: 'local' }, orgId);
  });
  after(() => h.dispose());

  async function ingest(fromS: number, toS: number, metric: string, unit: string, value: number, seqBase: number) {
    const device = { deviceId, orgId, model: 'vigil-sim', publicKeyPem: '' };
    const t0 = h.clock.now().getTime() - 600_000;
    await Promise.all(
      Array.from({ length: toS - fromS + 1 }, (_, i) =>
        h.server.telemetry.committer.submit(device, { v: 1, deviceId, seq: seqBase + i, ts: new Date(t0 + (fromS + i) * 1000).toISOString(), readings: [{ metric, value, unit }] }, '192.0.2.1'),
      ),
    );
    await h.t.platform.clinical.alerts.drain();
  }

  it('ok/bind, ingest, read vitals (raw and bucketed); alerts open after the commit', async () => {
    const bound = await h.as(admin, 'POST', `/api/v1/patients/${patientId}/bindings`, { deviceId, startAt: new Date(h.clock.now().getTime() - 3600_000).toISOString() });
    assert.equal(bound.status, 201, JSON.stringify(bound.body));
    const again = await h.as(admin, 'POST', `/api/v1/patients/${patientId}/bindings`, { deviceId });
    assert.equal(errorCode(again), 'BINDING_OVERLAP');
    await ingest(0, 89, '59408-5', '%', 85, 1);
    const latest = await h.as(doctor, 'GET', `/api/v1/patients/${patientId}/vitals/latest`);
    assert.equal(latest.status, 200, JSON.stringify(latest.body));
    assert.deepEqual((latest.body['vitals'] as { metric: string; value: number }[]).map((v) => [v.metric, v.value]), [['59408-5', 85]]);
    const from = new Date(h.clock.now().getTime() - 3600_000).toISOString();
    const raw = await h.as(doctor, 'GET', `/api/v1/patients/${patientId}/vitals?metric=59408-5&from=${from}`);
    assert.equal(((raw.body['series'] as { points: unknown[] }[])[0]?.points ?? []).length, 90);
    const bucketed = await h.as(doctor, 'GET', `/api/v1/patients/${patientId}/vitals?metric=59408-5&metric=8867-4&from=${from}&bucket=60`);
    const series = bucketed.body['series'] as { metric: string; buckets: { count: number }[] }[];
    assert.equal(series.length, 2);
    assert.equal(series[0]?.buckets.reduce((a, b) => a + b.count, 0), 90);
    const alerts = await h.as(doctor, 'GET', '/api/v1/clinical-alerts?status=open');
    assert.equal((alerts.body['alerts'] as unknown[]).length, 1, JSON.stringify(alerts.body));
  });

  it('fail/outside the care team: 404 on vitals; ok/under break-glass: 200, and the audit shows it', async () => {
    for (const path of [`/api/v1/patients/${patientId}/vitals/latest`, `/api/v1/patients/${patientId}/vitals`, `/api/v1/patients/${patientId}/vitals/stream`]) {
      const answer = await h.as(outsider, 'GET', path);
      assert.equal(answer.status, 404, path);
      assert.equal(errorCode(answer), 'VITALS_NOT_FOUND');
    }
    const grant = await h.as(outsider, 'POST', `/api/v1/patients/${patientId}/break-glass`, { reason: 'Cardiac arrest on ward 3, covering' });
    assert.equal(grant.status, 201);
    const latest = await h.as(outsider, 'GET', `/api/v1/patients/${patientId}/vitals/latest`);
    assert.equal(latest.status, 200);
    const events = [];
    for await (const e of readAllEvents(h.t.platform.auditReader())) if (e.action === 'telemetry.vitals.latest' && e.actorId === outsider.userId) events.push([e.outcome, e.reason]);
    assert.deepEqual(events, [
      ['denied', 'care-relationship-required'],
      ['success', 'break-glass'],
    ]);
  });

  it('ok/org-admin writes alert rules, clinicians read them; fail/a clinician cannot write (403); bindings end over HTTP', async () => {
    const body = { patientId, metric: '8867-4', comparison: 'gt', value: 150, durationSeconds: 10, severity: 'low' };
    assert.equal((await h.as(doctor, 'POST', '/api/v1/alert-rules', body)).status, 403);
    const created = await h.as(admin, 'POST', '/api/v1/alert-rules', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body['id'] as string;
    const changed = await h.as(admin, 'PUT', `/api/v1/alert-rules/${id}`, { ...body, value: 155, enabled: false });
    assert.equal(changed.status, 200);
    assert.equal(changed.body['value'], 155);
    assert.equal(changed.body['enabled'], false);
    const listed = await h.as(doctor, 'GET', `/api/v1/alert-rules?patientId=${patientId}`);
    assert.equal((listed.body['rules'] as unknown[]).length, 7);
    assert.equal(errorCode(await h.as(admin, 'PUT', `/api/v1/alert-rules/${newId()}`, body)), 'ALERT_RULE_NOT_FOUND');
    assert.equal(errorCode(await h.as(admin, 'POST', '/api/v1/alert-rules', { ...body, metric: '1234-5' })), 'ALERT_RULE_INVALID');
    const bindings = await h.as(doctor, 'GET', `/api/v1/patients/${patientId}/bindings`);
    const [binding] = bindings.body['bindings'] as { id: string; endAt: string | null }[];
    assert.ok(binding);
    assert.equal(binding.endAt, null);
    const ended = await h.as(admin, 'POST', `/api/v1/bindings/${binding.id}/end`, {});
    assert.equal(ended.status, 200);
    assert.equal(ended.body['endAt'], h.clock.now().toISOString());
    assert.equal(errorCode(await h.as(admin, 'POST', `/api/v1/bindings/${binding.id}/end`, {})), 'BINDING_ENDED');
    // Rebind for the stream test that follows.
    assert.equal((await h.as(admin, 'POST', `/api/v1/patients/${patientId}/bindings`, { deviceId })).status, 201);
  });

  it('ok/the vitals stream pushes a reading and the alert stream an alert, as Server-Sent Events', async () => {
    const ca = readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8');
    const open = (path: string) =>
      new Promise<{ frames: string[]; close: () => void; status: number }>((resolve, reject) => {
        const frames: string[] = [];
        const req = request(
          { host: '127.0.0.1', port: h.server.httpPort, path, ca, servername: 'localhost', headers: { authorization: `Bearer ${doctor.bearer ?? ''}` }, agent: false },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => frames.push(chunk));
            resolve({ frames, close: () => req.destroy(), status: res.statusCode ?? 0 });
          },
        );
        req.on('error', reject);
        req.end();
      });
    const vitals = await open(`/api/v1/patients/${patientId}/vitals/stream`);
    const alerts = await open('/api/v1/clinical-alerts/stream');
    assert.equal(vitals.status, 200);
    const resolveOpen = await h.as(doctor, 'GET', '/api/v1/clinical-alerts?status=open');
    const openAlert = (resolveOpen.body['alerts'] as { id: string }[])[0];
    assert.ok(openAlert);
    assert.equal((await h.as(doctor, 'POST', `/api/v1/clinical-alerts/${openAlert.id}/resolve`)).status, 200);
    await ingest(100, 100, '8867-4', '/min', 77, 1000);
    await new Promise((r) => setTimeout(r, 100));
    const vitalText = vitals.frames.join('');
    assert.match(vitalText, /event: vital\ndata: \{[^\n]*"metric":"8867-4","value":77/);
    assert.match(alerts.frames.join(''), /event: alert\ndata: \{[^\n]*"status":"resolved"/);
    vitals.close();
    alerts.close();
  });
});
