/**
 * Devices end to end on a real platform (SQLite, key store, root and device CA): enrolment
 * tokens, enrolment, authenticateDevice, revocation with its CRL and notifier, quarantine,
 * renewal, and a revocation made by another process (the CLI) seen by the status watcher.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { x509 } from '../identity/ca/x509-library.js';
import { isAppError, MemorySecurityEventSink, type Principal, type RequestContext } from '../kernel/index.js';
import { makeTestPki } from '../transports/http/http-fixtures.js';
import { openPlatform, type Platform } from '../main.js';
import { makePlatform, type TestPlatform } from './fixtures.js';

const ORG = 'org-1';
const admin: Principal = { kind: 'user', id: 'u-admin', orgId: ORG, username: 'admin', roles: ['org-admin'], sessionId: 's1', mfa: true };
const ctx = (principal: Principal = admin): RequestContext => ({ principal, requestId: 'req-1', source: '127.0.0.1' });
const anonymous: RequestContext = { principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'req-2', source: '192.0.2.7' };

const code = (expected: string) => (error: unknown) => isAppError(error) && error.code === expected;

async function enroll(platform: Platform, options: { model?: string; serial?: string } = {}) {
  const { token } = await platform.devices.service.issueEnrollmentToken(ctx(), { model: options.model ?? 'pulse-2' });
  const csr = await makeTestCsr({ subject: 'CN=root, O=Vigil' });
  const result = await platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial: options.serial ?? `SN-${Math.random().toString(36).slice(2, 10)}` });
  return { ...result, cert: new X509Certificate(result.certificate), csr };
}

describe('devices (integration)', () => {
  let t: TestPlatform;
  let platform: Platform;
  let events: MemorySecurityEventSink;

  before(async () => {
    t = await makePlatform();
    await t.platform.close();
    events = new MemorySecurityEventSink();
    platform = await openPlatform({ config: t.config, env: {}, clock: t.clock, securityEvents: events });
  });
  after(async () => {
    await platform.close();
    await t.dispose();
  });

  it('ok/enrolment gives a certificate whose names Vigil chose, chained to the device CA and root', async () => {
    const { deviceId, cert, chain, mqtt } = await enroll(platform);
    assert.equal(cert.subject, `CN=${deviceId}`);
    assert.equal(cert.subjectAltName, `URI:urn:vigil:device:${ORG}:${deviceId}`);
    assert.equal(chain.length, 2);
    assert.ok(cert.checkIssued(new X509Certificate(chain[0] ?? '')));
    assert.equal(mqtt.port, t.config.mqttPort);
    const view = await platform.devices.service.get(ctx(), { deviceId });
    assert.equal(view.status, 'active');
    assert.equal(view.certificate?.serial, cert.serialNumber.toLowerCase().replace(/^0+/, ''));
    const auth = await platform.devices.authenticateDevice(cert);
    assert.ok(auth.ok);
    assert.deepEqual({ ...auth.device, certificateSerial: undefined }, { deviceId, orgId: ORG, model: 'pulse-2', status: 'active', certificateSerial: undefined });
  });

  it('fail/a token works once; the second use fails', async () => {
    const { token } = await platform.devices.service.issueEnrollmentToken(ctx(), { model: 'pulse-2' });
    const csr = await makeTestCsr();
    await platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial: 'SN-once-1' });
    await assert.rejects(platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial: 'SN-once-2' }), code('DEVICE_ENROLLMENT_FAILED'));
    assert.ok(events.count('device.enrollment.refused', 'token-used') >= 1);
    const refused = events.events.filter((e) => e.type === 'device.enrollment.refused' && e.reason === 'token-used');
    assert.ok(refused.every((e) => e.orgId === ORG), "stored with the token's organization, so its security officer sees it");
  });

  it('fail/two concurrent enrolments with one token: exactly one wins', async () => {
    const { token } = await platform.devices.service.issueEnrollmentToken(ctx(), { model: 'pulse-2' });
    const csrs = await Promise.all([makeTestCsr(), makeTestCsr(), makeTestCsr()]);
    const results = await Promise.allSettled(csrs.map((c, i) => platform.devices.service.enroll(anonymous, { token, csr: c.pem, serial: `SN-race-${i}` })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(code('DEVICE_ENROLLMENT_FAILED')(r.reason));
  });

  it('fail/an expired token, a token for another model, an unknown token: one generic error', async () => {
    const { token } = await platform.devices.service.issueEnrollmentToken(ctx(), { model: 'pulse-2', expiresInMinutes: 5 });
    const other = await platform.devices.service.issueEnrollmentToken(ctx(), { model: 'pulse-2' });
    const csr = await makeTestCsr();
    await assert.rejects(platform.devices.service.enroll(anonymous, { token: other.token, csr: csr.pem, serial: 'SN-m', model: 'thermo-1' }), code('DEVICE_ENROLLMENT_FAILED'));
    await assert.rejects(platform.devices.service.enroll(anonymous, { token: 'vet_nope', csr: csr.pem, serial: 'SN-u' }), code('DEVICE_ENROLLMENT_FAILED'));
    t.clock.advance(5 * 60_000);
    await assert.rejects(platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial: 'SN-e' }), code('DEVICE_ENROLLMENT_FAILED'));
    assert.equal(events.count('device.enrollment.refused', 'token-expired'), 1);
    assert.equal(events.count('device.enrollment.refused', 'model-mismatch'), 1);
    const byReason = (reason: string) => events.events.find((e) => e.type === 'device.enrollment.refused' && e.reason === reason);
    assert.equal(byReason('model-mismatch')?.orgId, ORG);
    assert.equal(byReason('token-expired')?.orgId, ORG);
    assert.equal(byReason('token-unknown')?.orgId, undefined, 'an unknown token names no organization');
    // The model-mismatch attempt did not burn the token.
    await platform.devices.service.enroll(anonymous, { token: other.token, csr: csr.pem, serial: 'SN-m2', model: 'pulse-2' });
  });

  it('fail/a bad CSR is refused without consuming the token', async () => {
    const { token } = await platform.devices.service.issueEnrollmentToken(ctx(), { model: 'pulse-2' });
    const bad = await makeTestCsr({ extensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
    await assert.rejects(platform.devices.service.enroll(anonymous, { token, csr: bad.pem, serial: 'SN-bad' }), code('CA_CSR_EXTENSION_REFUSED'));
    const good = await makeTestCsr();
    await platform.devices.service.enroll(anonymous, { token, csr: good.pem, serial: 'SN-bad' });
  });

  it('fail/authenticateDevice refuses a foreign CA, an expired, a revoked and a quarantined certificate', async () => {
    const pki = makeTestPki();
    const foreign = await platform.devices.authenticateDevice(new X509Certificate(pki.ecdsa.certPem), { source: '198.51.100.1', transport: 'mqtt' });
    assert.deepEqual(foreign, { ok: false, reason: 'foreign-ca' });

    const revoked = await enroll(platform);
    const withdrawn: string[] = [];
    const off = platform.devices.onRevoked((id, reason) => withdrawn.push(`${id}:${reason}`));
    await platform.devices.service.revoke(ctx(), { deviceId: revoked.deviceId }, 'key-compromise');
    const r = await platform.devices.authenticateDevice(revoked.cert);
    assert.equal(r.ok ? 'ok' : r.reason, 'revoked');
    assert.deepEqual(withdrawn, [`${revoked.deviceId}:revoked`], 'the notifier fired at once');

    const quarantined = await enroll(platform);
    assert.ok((await platform.devices.authenticateDevice(quarantined.cert)).ok, 'cached as active first');
    await platform.devices.service.quarantine(ctx(), { deviceId: quarantined.deviceId }, 'suspicious-traffic');
    const q = await platform.devices.authenticateDevice(quarantined.cert);
    assert.equal(q.ok ? 'ok' : q.reason, 'quarantined', 'the cache was invalidated');
    assert.ok(withdrawn.includes(`${quarantined.deviceId}:quarantined`));
    await platform.devices.service.release(ctx(), { deviceId: quarantined.deviceId }, 'investigated');
    assert.ok((await platform.devices.authenticateDevice(quarantined.cert)).ok, 'released');
    off();

    const later = await enroll(platform);
    t.clock.advance(91 * 24 * 3600_000);
    const expired = await platform.devices.authenticateDevice(later.cert);
    assert.equal(expired.ok ? 'ok' : expired.reason, 'expired');
    t.clock.advance(-91 * 24 * 3600_000);

    assert.equal(events.count('device.certificate.refused', 'foreign-ca'), 1);
    assert.ok(events.count('device.certificate.refused', 'revoked') >= 1);
    assert.ok(events.count('device.certificate.refused', 'quarantined') >= 1);
    assert.ok(events.count('device.certificate.refused', 'expired') >= 1);
  });

  it('ok/the CRL lists a revoked serial and verifies against the device CA', async () => {
    const device = await enroll(platform);
    await platform.devices.service.revoke(ctx(), { deviceId: device.deviceId }, 'lost-device');
    const crl = new x509.X509Crl(await platform.devices.service.crl());
    assert.equal(await crl.verify({ publicKey: new x509.X509Certificate(device.chain[0] ?? '') }, globalThis.crypto), true);
    assert.ok(crl.findRevoked(new x509.X509Certificate(device.certificate)));
  });

  it('ok/renewal with the current certificate; the old one is superseded', async () => {
    const device = await enroll(platform);
    const csr = await makeTestCsr();
    const renewed = await platform.devices.service.renew(anonymous, device.cert, csr.pem);
    assert.equal(renewed.deviceId, device.deviceId);
    const cert = new X509Certificate(renewed.certificate);
    assert.ok((await platform.devices.authenticateDevice(cert)).ok);
    const old = await platform.devices.authenticateDevice(device.cert);
    assert.equal(old.ok ? 'ok' : old.reason, 'revoked');
    const crl = new x509.X509Crl(await platform.devices.service.crl());
    assert.equal(crl.findRevoked(new x509.X509Certificate(device.certificate))?.reason, x509.X509CrlReason.superseded);
  });

  it('fail/renewal with a revoked, a foreign or no certificate', async () => {
    const device = await enroll(platform);
    await platform.devices.service.revoke(ctx(), { deviceId: device.deviceId }, 'key-compromise');
    const csr = await makeTestCsr();
    await assert.rejects(platform.devices.service.renew(anonymous, device.cert, csr.pem), code('DEVICE_CERTIFICATE_REFUSED'));
    await assert.rejects(platform.devices.service.renew(anonymous, new X509Certificate(makeTestPki().ecdsa.certPem), csr.pem), code('DEVICE_CERTIFICATE_REFUSED'));
    await assert.rejects(platform.devices.service.renew(anonymous, undefined, csr.pem), code('DEVICE_CERTIFICATE_REFUSED'));
    const foreignBefore = events.count('device.certificate.refused', 'foreign-ca');
    await assert.rejects(platform.devices.service.renew(anonymous, undefined, csr.pem, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), code('DEVICE_CERTIFICATE_REFUSED'));
    assert.equal(events.count('device.certificate.refused', 'foreign-ca'), foreignBefore + 1, 'a certificate TLS did not verify is a foreign-ca event');
    assert.ok(events.count('device.certificate.refused', 'no-certificate') >= 1);
  });

  it('fail/another organization sees no device, and a technician may not revoke', async () => {
    const device = await enroll(platform);
    const stranger: Principal = { ...admin, id: 'u-other', orgId: 'org-2' } as Principal;
    await assert.rejects(platform.devices.service.get(ctx(stranger), { deviceId: device.deviceId }), code('DEVICE_NOT_FOUND'));
    assert.equal((await platform.devices.service.list(ctx(stranger))).length, 0);
    const technician: Principal = { ...admin, id: 'u-tech', roles: ['technician'] } as Principal;
    await assert.rejects(platform.devices.service.revoke(ctx(technician), { deviceId: device.deviceId }, 'lost-device'), code('FORBIDDEN'));
  });

  it('ok/a revocation by another process (the CLI) reaches this one through the status watcher', async () => {
    const device = await enroll(platform);
    assert.ok((await platform.devices.authenticateDevice(device.cert)).ok);
    const withdrawn: string[] = [];
    platform.devices.onRevoked((id, reason) => withdrawn.push(`${id}:${reason}`));
    const cli = await openPlatform({ config: t.config, env: {}, clock: t.clock });
    try {
      await cli.devices.service.revoke({ principal: { kind: 'cli', id: 'op' }, requestId: 'cli-1', source: 'local' }, { deviceId: device.deviceId, orgId: ORG }, 'key-compromise');
    } finally {
      await cli.close();
    }
    assert.ok((await platform.devices.pollStatusChanges()) >= 1);
    assert.deepEqual(withdrawn, [`${device.deviceId}:revoked`]);
    const r = await platform.devices.authenticateDevice(device.cert);
    assert.equal(r.ok ? 'ok' : r.reason, 'revoked');
    assert.equal(await platform.devices.pollStatusChanges(), 0, 'each change is applied once');
  });

  it('ok/decommissioning is final and revokes the certificate', async () => {
    const device = await enroll(platform);
    const heard: string[] = [];
    const off = platform.devices.onRevoked((id, reason) => heard.push(`${id}:${reason}`));
    await platform.devices.service.decommission(ctx(), { deviceId: device.deviceId }, 'end-of-life');
    off();
    assert.deepEqual(heard, [`${device.deviceId}:decommissioned`]);
    const r = await platform.devices.authenticateDevice(device.cert);
    assert.equal(r.ok ? 'ok' : r.reason, 'decommissioned');
    const crl = new x509.X509Crl(await platform.devices.service.crl());
    assert.equal(crl.findRevoked(new x509.X509Certificate(device.certificate))?.reason, x509.X509CrlReason.cessationOfOperation);
    await assert.rejects(platform.devices.service.release(ctx(), { deviceId: device.deviceId }, 'oops'), code('DEVICE_STATUS_CONFLICT'));
  });

  it('ok/markSeen is batched into lastSeenAt', async () => {
    const device = await enroll(platform);
    platform.devices.activity.markSeen(device.deviceId, new Date('2026-11-28T12:00:01Z'), '10.1.2.3');
    platform.devices.activity.markSeen(device.deviceId, new Date('2026-11-28T12:00:02Z'), '10.1.2.3');
    assert.equal(await platform.devices.flushActivity(), 1);
    assert.equal((await platform.devices.service.get(ctx(), { deviceId: device.deviceId })).lastSeenAt, '2026-11-28T12:00:02.000Z');
  });
});
