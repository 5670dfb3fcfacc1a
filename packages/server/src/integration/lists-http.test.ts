/**
 * The paged lists and bulk actions over HTTPS on a running server: devices, users and patients
 * search, sort and page forward with the shared cursor (bad cursors and sort keys answer 400 with
 * their own codes); patients disclose and audit only the page shown; bulk quarantine and release
 * change each device on its own (audited per device) and refuse more than the two-person
 * threshold whole; a device's command history and one command's status; bulk acknowledgement of
 * clinical alerts, each under the PHI rule and audited per alert.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readAllEvents } from '../audit/index.js';
import { newId, SYSTEM_PRINCIPAL } from '../kernel/index.js';
import { deviceStore } from '../storage/index.js';
import { errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';

interface Row {
  readonly id: string;
}

describe('paged lists and bulk actions over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let doctor: Signed;
  let orgId: string;
  const deviceIds: string[] = [];
  const patientIds: string[] = [];

  const train = async (userId: string) => {
    const now = h.clock.now().getTime();
    const answer = await h.as(admin, 'POST', `/api/v1/users/${userId}/training`, {
      course: 'hipaa-privacy-security',
      completedAt: new Date(now - 86_400_000).toISOString(),
      expiresAt: new Date(now + 300 * 86_400_000).toISOString(),
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
  };

  /** Follows nextCursor to the end; returns every row in the order the pages gave them. */
  async function walk(who: Signed, path: string, key: string): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const sep = path.includes('?') ? '&' : '?';
      const answer = await h.as(who, 'GET', cursor === null ? path : `${path}${sep}cursor=${cursor}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      out.push(...(answer.body[key] as Row[]));
      cursor = answer.body['nextCursor'] as string | null;
      if (cursor === null) return out;
    }
    throw new Error('paging did not end');
  }

  const audited = async (action: string, actorId: string) => {
    const events: { targetId: string; outcome: string }[] = [];
    for await (const e of readAllEvents(h.t.platform.auditReader())) if (e.action === action && e.actorId === actorId) events.push({ targetId: e.targetId, outcome: e.outcome });
    return events;
  };

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup();
    admin = await h.signIn('admin', 'Tulip-Granite-Orbit-4217');
    doctor = await h.createUser(admin, 'doctor', ['clinician']);
    await h.createUser(admin, 'nurse.ada', ['clinician']);
    for (const u of [admin, doctor]) await train(u.userId);
    const names = ['Hopper', 'Lovelace', 'Turing', 'Hamilton', 'Noether', 'Curie', 'Franklin'];
    for (const [i, familyName] of names.entries()) {
      const created = await h.as(admin, 'POST', '/api/v1/patients', { mrn: `MRN-L${i}`, givenName: 'Pat', familyName, birthDate: '1950-01-01', sex: 'other' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      patientIds.push(created.body['id'] as string);
      orgId = created.body['orgId'] as string;
    }
    for (const id of patientIds.slice(0, 2)) {
      const team = await h.as(admin, 'PUT', `/api/v1/patients/${id}/care-team`, { members: [{ userId: doctor.userId, role: 'primary' }] });
      assert.equal(team.status, 200);
    }
    const at = h.clock.now().toISOString();
    for (let i = 0; i < 14; i += 1) {
      const id = newId();
      deviceIds.push(id);
      await deviceStore(h.t.platform.database.db).insert({
        id, orgId, model: i % 2 === 0 ? 'vigil-sim' : 'pulse-ox', serial: `SN-${String(100 - i)}`, udi: null, firmwareVersion: null, status: 'active', statusReason: null,
        statusChangedAt: at, groups: [], createdAt: at, lastSeenAt: i < 3 ? at : null, lastSeenAddress: null, certificate: null,
      });
    }
  });
  after(() => h.dispose());

  it('ok/devices page forward in serial order (each once), both directions; search and filters narrow', async () => {
    const bySerial = await walk(admin, '/api/v1/devices?sort=serial&limit=4', 'devices');
    const serials = bySerial.map((d) => (d as Row & { serial: string }).serial);
    assert.equal(serials.length, 14);
    assert.deepEqual(serials, [...serials].sort(), 'ascending by serial');
    const back = await walk(admin, '/api/v1/devices?sort=-serial&limit=5', 'devices');
    assert.deepEqual(back.map((d) => d.id), bySerial.map((d) => d.id).reverse(), 'descending is the exact reverse');
    const search = await h.as(admin, 'GET', '/api/v1/devices?q=sn-9');
    assert.deepEqual((search.body['devices'] as { serial: string }[]).map((d) => d.serial).sort(), ['SN-90', 'SN-91', 'SN-92', 'SN-93', 'SN-94', 'SN-95', 'SN-96', 'SN-97', 'SN-98', 'SN-99']);
    const model = await h.as(admin, 'GET', '/api/v1/devices?model=pulse-ox&limit=200');
    assert.equal((model.body['devices'] as unknown[]).length, 7);
    const online = await h.as(admin, 'GET', '/api/v1/devices?online=true');
    assert.deepEqual((online.body['devices'] as Row[]).map((d) => d.id).sort(), deviceIds.slice(0, 3).sort());
    const offline = await h.as(admin, 'GET', '/api/v1/devices?online=false&limit=200');
    assert.equal((offline.body['devices'] as unknown[]).length, 11);
  });

  it('fail/a forged, malformed or other-sort cursor is 400 LIST_CURSOR_INVALID; an unknown sort key is 400 LIST_SORT_INVALID', async () => {
    const first = await h.as(admin, 'GET', '/api/v1/devices?sort=serial&limit=2');
    const cursor = first.body['nextCursor'] as string;
    assert.ok(typeof cursor === 'string');
    const otherSort = await h.as(admin, 'GET', `/api/v1/devices?sort=model&limit=2&cursor=${cursor}`);
    assert.equal(otherSort.status, 400);
    assert.equal(errorCode(otherSort), 'LIST_CURSOR_INVALID');
    for (const bad of ['abc!', Buffer.from('["l1","serial","a",{"$gt":""},"x"]').toString('base64url'), 'x'.repeat(900)]) {
      const answer = await h.as(admin, 'GET', `/api/v1/devices?sort=serial&cursor=${encodeURIComponent(bad)}`);
      assert.equal(errorCode(answer), 'LIST_CURSOR_INVALID', bad.slice(0, 30));
    }
    for (const sort of ['org_id', 'serial;drop', 'cert_fingerprint']) {
      const answer = await h.as(admin, 'GET', `/api/v1/devices?sort=${encodeURIComponent(sort)}`);
      assert.equal(answer.status, 400);
      assert.equal(errorCode(answer), 'LIST_SORT_INVALID', sort);
    }
  });

  it('ok/users search and sort; fail/a clinician cannot list users', async () => {
    const found = await h.as(admin, 'GET', '/api/v1/users?q=ADA');
    assert.deepEqual((found.body['users'] as { username: string }[]).map((u) => u.username), ['nurse.ada']);
    const all = await walk(admin, '/api/v1/users?sort=-username&limit=1', 'users');
    const usernames = all.map((u) => (u as Row & { username: string }).username);
    assert.deepEqual(usernames, [...usernames].sort().reverse());
    assert.equal(usernames.length, 3);
    assert.equal((await h.as(doctor, 'GET', '/api/v1/users')).status, 403);
  });

  it('ok/patients page by name; only the patients shown are disclosed and audited', async () => {
    const before = (await audited('patients.record.list', admin.userId)).length;
    const first = await h.as(admin, 'GET', '/api/v1/patients?scope=all&sort=name&limit=3');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const shown = first.body['patients'] as { id: string; displayName: string }[];
    assert.equal(shown.length, 3);
    const after = await audited('patients.record.list', admin.userId);
    assert.deepEqual(after.slice(before).map((e) => e.targetId).sort(), shown.map((p) => p.id).sort(), 'one audit event per patient shown, none for the rest');
    const everyone = await walk(admin, '/api/v1/patients?scope=all&sort=name&limit=3', 'patients');
    const names = everyone.map((p) => (p as Row & { displayName: string }).displayName.toLowerCase());
    assert.equal(names.length, 7);
    assert.deepEqual(names, [...names].sort());
    const search = await h.as(admin, 'GET', '/api/v1/patients?scope=all&q=mrn-l3');
    assert.deepEqual((search.body['patients'] as { mrn: string }[]).map((p) => p.mrn), ['MRN-L3']);
    const mine = await h.as(doctor, 'GET', '/api/v1/patients?limit=50');
    assert.deepEqual((mine.body['patients'] as Row[]).map((p) => p.id).sort(), patientIds.slice(0, 2).sort(), 'a clinician’s default list is the care team');
  });

  it('ok/bulk quarantine and release: one outcome and one audit event per device; fail/more than 10 is refused whole', async () => {
    const three = deviceIds.slice(0, 3);
    const unknown = newId();
    const quarantined = await h.as(admin, 'POST', '/api/v1/devices/bulk', { action: 'quarantine', deviceIds: [...three, unknown], reason: 'suspicious-traffic' });
    assert.equal(quarantined.status, 200, JSON.stringify(quarantined.body));
    assert.deepEqual((quarantined.body['results'] as { deviceId: string; outcome: string }[]).map((r) => [r.deviceId, r.outcome]), [...three.map((id) => [id, 'ok']), [unknown, 'not-found']]);
    const events = await audited('devices.device.quarantine', admin.userId);
    assert.deepEqual(events.filter((e) => three.includes(e.targetId)).length, 3);
    const again = await h.as(admin, 'POST', '/api/v1/devices/bulk', { action: 'quarantine', deviceIds: three.slice(0, 1), reason: 'suspicious-traffic' });
    assert.deepEqual((again.body['results'] as { outcome: string }[]).map((r) => r.outcome), ['conflict']);
    const filtered = await h.as(admin, 'GET', '/api/v1/devices?status=quarantined');
    assert.deepEqual((filtered.body['devices'] as Row[]).map((d) => d.id).sort(), [...three].sort());

    const eleven = deviceIds.slice(3, 14);
    const refused = await h.as(admin, 'POST', '/api/v1/devices/bulk', { action: 'quarantine', deviceIds: eleven, reason: 'suspicious-traffic' });
    assert.equal(refused.status, 409);
    assert.equal(errorCode(refused), 'DEVICE_BULK_APPROVAL_REQUIRED');
    const stillActive = await h.as(admin, 'GET', '/api/v1/devices?status=active&limit=200');
    assert.equal((stillActive.body['devices'] as unknown[]).length, 11, 'nothing changed');

    const released = await h.as(admin, 'POST', '/api/v1/devices/bulk', { action: 'release', deviceIds: three, reason: 'false-positive' });
    assert.deepEqual((released.body['results'] as { outcome: string }[]).map((r) => r.outcome), ['ok', 'ok', 'ok']);
    assert.equal((await audited('devices.device.release', admin.userId)).length, 3);
    const badReason = await h.as(admin, 'POST', '/api/v1/devices/bulk', { action: 'quarantine', deviceIds: three, reason: 'Because I Said So' });
    assert.equal(badReason.status, 400);
    const asDoctor = await h.as(doctor, 'POST', '/api/v1/devices/bulk', { action: 'quarantine', deviceIds: three, reason: 'suspicious-traffic' });
    assert.equal(asDoctor.status, 403);
  });

  it("ok/a device's commands and one command's status; fail/another device's command is not found", async () => {
    const [a, b] = deviceIds;
    assert.ok(a !== undefined && b !== undefined);
    const empty = await h.as(admin, 'GET', `/api/v1/devices/${a}/commands`);
    assert.deepEqual(empty.body['commands'], []);
    const sent = await h.as(admin, 'POST', `/api/v1/devices/${a}/commands`, { name: 'identify', args: { blink: 3 }, ttlSeconds: 60 });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const commandId = sent.body['commandId'] as string;
    const list = await h.as(admin, 'GET', `/api/v1/devices/${a}/commands`);
    assert.deepEqual((list.body['commands'] as { commandId: string; status: string; args: unknown }[]).map((c) => [c.commandId, c.status, c.args]), [[commandId, 'pending', { blink: 3 }]]);
    assert.equal('nonce' in ((list.body['commands'] as object[])[0] ?? {}), false, 'the nonce is not read back');
    const one = await h.as(admin, 'GET', `/api/v1/devices/${a}/commands/${commandId}`);
    assert.equal(one.body['status'], 'pending');
    const wrongDevice = await h.as(admin, 'GET', `/api/v1/devices/${b}/commands/${commandId}`);
    assert.equal(wrongDevice.status, 404);
    assert.equal(errorCode(wrongDevice), 'TELEMETRY_COMMAND_NOT_FOUND');
    const noDevice = await h.as(admin, 'GET', `/api/v1/devices/${newId()}/commands`);
    assert.equal(noDevice.status, 404);
    h.clock.advance(61_000);
    const expired = await h.as(admin, 'GET', `/api/v1/devices/${a}/commands/${commandId}`);
    assert.equal(expired.body['status'], 'expired');
  });

  it('ok/bulk acknowledge: each alert under the PHI rule, audited per alert; outside the care team is not-found; twice is conflict', async () => {
    await h.t.platform.clinical.alerts.seedDefaultRules({ principal: SYSTEM_PRINCIPAL, requestId: 'seed', source: 'local' }, orgId);
    const [inCare, outside] = [patientIds[0], patientIds[5]];
    const [d1, d2] = deviceIds.slice(12, 14);
    assert.ok(inCare && outside && d1 && d2);
    const startAt = new Date(h.clock.now().getTime() - 3600_000).toISOString();
    for (const [patientId, deviceId] of [[inCare, d1], [outside, d2]] as const) {
      const bound = await h.as(admin, 'POST', `/api/v1/patients/${patientId}/bindings`, { deviceId, startAt });
      assert.equal(bound.status, 201, JSON.stringify(bound.body));
      const device = { deviceId, orgId, model: 'vigil-sim', publicKeyPem: '' };
      const t0 = h.clock.now().getTime() - 600_000;
      await Promise.all(
        Array.from({ length: 90 }, (_, i) =>
          h.server.telemetry.committer.submit(device, { v: 1, deviceId, seq: 1 + i, ts: new Date(t0 + i * 1000).toISOString(), readings: [{ metric: '59408-5', value: 85, unit: '%' }] }, '192.0.2.1'),
        ),
      );
    }
    await h.t.platform.clinical.alerts.drain();
    const mine = await h.as(doctor, 'GET', '/api/v1/clinical-alerts?status=open&severity=high,medium,low');
    const myAlerts = mine.body['alerts'] as { id: string; patientId: string }[];
    assert.equal(myAlerts.length, 1, JSON.stringify(mine.body));
    const myAlert = myAlerts[0]!;
    assert.equal(myAlert.patientId, inCare);
    const everyOpen = await h.t.platform.database.db.selectFrom('clinical_alerts').select(['id', 'patient_id']).where('org_id', '=', orgId).execute();
    const otherAlert = everyOpen.find((r) => r.patient_id === outside)?.id;
    assert.ok(otherAlert);
    const acked = await h.as(doctor, 'POST', '/api/v1/clinical-alerts/acknowledge', { ids: [myAlert.id, otherAlert] });
    assert.equal(acked.status, 200, JSON.stringify(acked.body));
    const results = acked.body['results'] as { id: string; outcome: string; alert: { status: string } | null }[];
    assert.deepEqual(results.map((r) => [r.id, r.outcome]), [[myAlert.id, 'acknowledged'], [otherAlert, 'not-found']]);
    assert.equal(results[0]?.alert?.status, 'acknowledged');
    const events = await audited('alerts.clinical.acknowledge', doctor.userId);
    assert.deepEqual(events.map((e) => [e.targetId, e.outcome]), [[myAlert.id, 'success']]);
    const twice = await h.as(doctor, 'POST', '/api/v1/clinical-alerts/acknowledge', { ids: [myAlert.id] });
    assert.deepEqual((twice.body['results'] as { outcome: string }[]).map((r) => r.outcome), ['conflict']);
    const stillOpen = await h.t.platform.database.db.selectFrom('clinical_alerts').select('status').where('id', '=', otherAlert).executeTakeFirst();
    assert.equal(stillOpen?.status, 'open', 'the alert outside the care team was not touched');
    const tooMany = await h.as(doctor, 'POST', '/api/v1/clinical-alerts/acknowledge', { ids: Array.from({ length: 101 }, () => newId()) });
    assert.equal(tooMany.status, 400);
  });
});
