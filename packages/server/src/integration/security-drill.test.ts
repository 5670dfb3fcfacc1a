/**
 * The security attack drill (issue 6 "Tests must show"): a running server (HTTPS + MQTT over
 * mTLS, SQLite, ManualClock) driven from loopback clients.
 *   1. Ten simulated minutes of normal traffic (device-sdk generateVitals for three devices over
 *      MQTT, clinicians signing in and reading their own patients) raise no security alert.
 *   2. A password spray, a brute force, a bulk PHI read, a revoked device reconnecting, a message
 *      flood and a replay yield exactly one alert each, with a count.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateVitals } from '@vigil/device-sdk';
import { deviceTopic } from '@vigil/protocol';
import type { MqttClient } from 'mqtt';
import type { SecurityAlert } from '../alerts/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { x509 } from '../identity/ca/x509-library.js';
import type { Principal, RequestContext } from '../kernel/index.js';
import { IdentityHarness, type Signed } from './identity-fixtures.js';
import { connectDevice, envelope } from './mqtt-clients.js';
import type { IssuedCert } from './device-pki.js';

const SOURCE_CTX = (principal: Principal): RequestContext => ({ principal, requestId: `drill-${Math.random().toString(36).slice(2)}`, source: '127.0.0.1' });

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

describe('security drill: normal traffic, then attacks', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let adminPrincipal: Principal;
  let officer: Signed;
  let dave: Signed;
  let orgId: string;
  let serverCaPem: string;
  const patients: string[] = [];
  const devices = new Map<string, IssuedCert>();
  const seqs = new Map<string, number>();

  async function enrollDevice(serial: string): Promise<string> {
    const ctx = SOURCE_CTX(adminPrincipal);
    const { token } = await h.t.platform.devices.service.issueEnrollmentToken(ctx, { model: 'pulse-2' });
    const csr = await makeTestCsr({ subject: 'CN=x' });
    const result = await h.t.platform.devices.service.enroll({ ...ctx, principal: { kind: 'anonymous', id: 'anonymous' } }, { token, csr: csr.pem, serial });
    devices.set(result.deviceId, { certPem: result.certificate, keyPem: await pkcs8Pem(csr.keys.privateKey), keys: csr.keys, cert: new x509.X509Certificate(result.certificate) });
    return result.deviceId;
  }

  async function connect(deviceId: string) {
    const cert = devices.get(deviceId);
    assert.ok(cert);
    return connectDevice({ port: h.server.mqttPort, serverCaPem, cert, clientId: deviceId });
  }

  function nextSeq(deviceId: string): number {
    const n = (seqs.get(deviceId) ?? 0) + 1;
    seqs.set(deviceId, n);
    return n;
  }

  /** Alerts as a platform-admin sees them (all organizations and platform-level alerts), or as `who`. */
  async function alerts(who?: Signed): Promise<SecurityAlert[]> {
    await h.t.platform.security.alerts.flush();
    const answer = await h.as(who ?? admin, 'GET', '/api/v1/security/alerts');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body['alerts'] as SecurityAlert[];
  }

  before(async () => {
    h = await IdentityHarness.start();
    const adminId = await h.setup();
    admin = await h.signIn('admin', 'Tulip-Granite-Orbit-4217');
    const row = await h.t.platform.database.db.selectFrom('users').select(['org_id']).where('id', '=', adminId).executeTakeFirstOrThrow();
    orgId = row.org_id;
    adminPrincipal = { kind: 'user', id: adminId, orgId, username: 'admin', roles: ['org-admin'], sessionId: 'drill', mfa: true };
    officer = await h.createUser(admin, 'sofia', ['security-officer']);
    dave = await h.createUser(admin, 'dave', ['clinician']);
    await h.createUser(admin, 'victim', ['clinician']);
    const training = (userId: string) => {
      const now = h.clock.now().getTime();
      return h.t.platform.patients.training.record(SOURCE_CTX(adminPrincipal), userId, {
        course: 'hipaa-privacy-security',
        completedAt: new Date(now - 86_400_000).toISOString(),
        expiresAt: new Date(now + 300 * 86_400_000).toISOString(),
      });
    };
    await training(adminId);
    await training(dave.userId);
    for (let i = 0; i < 60; i++) {
      const p = await h.t.platform.patients.records.create(SOURCE_CTX(adminPrincipal), {
        mrn: `MRN-${1000 + i}`,
        givenName: `Given${i}`,
        familyName: `Family${i}`,
        birthDate: '1970-01-01',
        sex: 'unknown',
      });
      await h.t.platform.patients.records.updateCareTeam(SOURCE_CTX(adminPrincipal), p.id, [{ userId: dave.userId, role: 'primary' }]);
      patients.push(p.id);
    }
    const { openRootCa } = await import('../identity/ca/index.js');
    serverCaPem = (await openRootCa({ dataDir: h.t.dataDir, keys: h.t.platform.keys })).certPem;
    for (const serial of ['SN-normal-1', 'SN-normal-2', 'SN-normal-3', 'SN-revoked-1']) await enrollDevice(serial);
  });

  after(async () => {
    await h.dispose();
  });

  test('ok/ten simulated minutes of normal traffic raise no security alert', async () => {
    const ids = [...devices.keys()].slice(0, 3);
    const clients: MqttClient[] = [];
    for (const id of ids) {
      const c = await connect(id);
      assert.ok(c.ok, c.ok ? '' : c.error);
      clients.push(c.client);
    }
    const start = h.clock.now().getTime();
    const streams = ids.map((id, i) => generateVitals({ seed: 'drill', deviceIndex: i, startMs: start, intervalMs: 5_000, durationMs: 10 * 60_000, episodeKinds: [] }).samples);
    let sent = 0;
    for (let step = 0; step < (streams[0]?.length ?? 0); step++) {
      h.clock.set(new Date(start + step * 5_000));
      // The broker's per-device rate limit (20/s, burst 100) counts real time. Ten simulated minutes
      // pass in seconds here, so each step also waits 60 ms of real time: devices stay under the
      // limit, as they do at one message per 5 s (the flood below is the one that must not).
      await sleep(60);
      await Promise.all(
        ids.map(async (id, i) => {
          const sample = streams[i]?.[step];
          const client = clients[i];
          if (!sample || !client) return;
          sent += 1;
          const body = { v: 1, deviceId: id, seq: nextSeq(id), ts: new Date(sample.ts).toISOString(), readings: sample.readings };
          await client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify(body), { qos: 1 });
        }),
      );
      // Every minute a clinician signs in and reads two of their patients.
      if (step % 12 === 0) {
        const session = await h.signIn('dave', 'Quartz-Meadow-Lantern-93');
        for (const pid of patients.slice(step % 3, (step % 3) + 2)) assert.equal((await h.as(session, 'GET', `/api/v1/patients/${pid}`)).status, 200);
      }
    }
    for (const c of clients) await c.endAsync();
    const found = await alerts();
    console.log(`# normal traffic: ${sent} device messages, 10 simulated minutes, ${found.length} security alerts`);
    assert.deepEqual(found.map((a) => `${a.detector}:${a.subject.kind}`), []);
  });

  test('ok/the attack drill yields exactly the expected alerts, each once with a count', async () => {
    // 1. Password spray: one wrong password on each of six accounts (most unknown) from one source.
    for (const name of ['alice', 'bob', 'carol', 'mallory', 'trent', 'dave']) assert.equal((await h.login(name, 'Winter2026!')).status, 401);
    // 2. Brute force: six wrong passwords for one account.
    for (let i = 0; i < 6; i++) assert.equal((await h.login('victim', `guess-${i}-Password!`)).status, 401);
    // 3. Bulk PHI read: dave opens 55 distinct records.
    for (const pid of patients.slice(0, 55)) assert.equal((await h.as(dave, 'GET', `/api/v1/patients/${pid}`)).status, 200);
    // 4. A revoked device reconnects three times.
    const revokedId = [...devices.keys()][3] ?? '';
    const live = await connect(revokedId);
    assert.ok(live.ok);
    await h.t.platform.devices.service.revoke(SOURCE_CTX(adminPrincipal), { deviceId: revokedId }, 'key-compromise');
    for (let i = 0; i < 3; i++) assert.equal((await connect(revokedId)).ok, false);
    // 5. A message flood: 400 messages at once from one device (burst 100, 20/s).
    const floodId = [...devices.keys()][0] ?? '';
    const flood = await connect(floodId);
    assert.ok(flood.ok);
    const now = h.clock.now();
    await Promise.all(Array.from({ length: 400 }, () => flood.client.publishAsync(deviceTopic(floodId, 'telemetry'), JSON.stringify(envelope(floodId, nextSeq(floodId), now)), { qos: 0 })));
    // 6. A replay: a message with an old sequence number and other content, then a stale one.
    const replayId = [...devices.keys()][1] ?? '';
    const replay = await connect(replayId);
    assert.ok(replay.ok);
    await replay.client.publishAsync(deviceTopic(replayId, 'telemetry'), JSON.stringify(envelope(replayId, 3, now, 99)), { qos: 1 });
    await replay.client.publishAsync(deviceTopic(replayId, 'telemetry'), JSON.stringify(envelope(replayId, 4, now, 98)), { qos: 1 });
    await replay.client.publishAsync(deviceTopic(replayId, 'telemetry'), JSON.stringify(envelope(replayId, nextSeq(replayId), new Date(now.getTime() - 3600_000))), { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    await flood.client.endAsync();
    await replay.client.endAsync();

    const found = await alerts();
    const summary = found.map((a) => ({ detector: a.detector, subject: a.subject.kind, count: a.count })).sort((a, b) => a.detector.localeCompare(b.detector));
    console.log(`# drill alerts: ${JSON.stringify(summary)}`);
    assert.deepEqual(
      summary.map((a) => `${a.detector}:${a.subject}`),
      ['brute-force:user', 'bulk-phi:user', 'device-certificate:device', 'device-message-rate:device', 'device-replay:device', 'password-spray:source'],
    );
    const by = (d: string) => found.find((a) => a.detector === d);
    assert.ok((by('password-spray')?.count ?? 0) >= 6, 'spray counts every failed login of the source');
    assert.equal(by('brute-force')?.count, 6);
    assert.equal(by('bulk-phi')?.count, 55, 'the first alert carries the 51 distinct patients, then one per further patient');
    assert.equal(by('device-certificate')?.count, 3);
    assert.ok((by('device-message-rate')?.count ?? 0) >= 1);
    assert.equal(by('device-replay')?.count, 3);
    for (const a of found) {
      assert.equal(a.status, 'open');
      assert.ok(a.evidence.securityEventIds.length > 0 || a.evidence.auditSeqs.length > 0, `${a.detector} has evidence`);
    }
    assert.ok((by('brute-force')?.evidence.auditSeqs.length ?? 0) >= 5, 'brute force links the audit records');
    // The security officer sees the organization's alerts; the cross-tenant spray is the platform-admin's.
    const officers = await alerts(officer);
    assert.deepEqual(officers.map((a) => a.detector).sort(), ['brute-force', 'bulk-phi', 'device-certificate', 'device-message-rate', 'device-replay']);

    // The stream correlates: the brute force's events by user, the spray's by source.
    const victimId = by('brute-force')?.subject.id ?? '';
    const byUser = await h.as(officer, 'GET', `/api/v1/security/events?userId=${victimId}&type=identity.login.failed`);
    assert.equal((byUser.body['events'] as unknown[]).length, 6);
    const bySource = await h.as(admin, 'GET', `/api/v1/security/events?source=${encodeURIComponent(by('password-spray')?.subject.id ?? '')}&type=identity.login.failed`);
    assert.equal((bySource.body['events'] as unknown[]).length, 12, 'a platform-admin sees the unknown-user failures too');
    // Workflow over HTTP; a clinician may not read security alerts.
    const brute = by('brute-force');
    assert.ok(brute);
    const acked = await h.as(officer, 'POST', `/api/v1/security/alerts/${brute.id}/acknowledge`);
    assert.equal(acked.status, 200);
    assert.equal(acked.body['status'], 'acknowledged');
    const noted = await h.as(officer, 'POST', `/api/v1/security/alerts/${brute.id}/notes`, { text: 'Called the user: not them.' });
    assert.equal((noted.body['notes'] as unknown[]).length, 1);
    assert.equal((await h.as(dave, 'GET', '/api/v1/security/alerts')).status, 403);
    assert.equal((await h.as(officer, 'GET', `/api/v1/security/alerts/${by('password-spray')?.id ?? ''}`)).status, 404);
  });
});
