/**
 * Firmware attestation end to end on a running server: a device signs reports with its enrolled
 * key over mTLS; a tampered hash is flagged within one report (security alert), quarantined per
 * the model's policy, and released only after a remediation install and a verified report.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendAttestation, signAttestation } from '@vigil/device-sdk';
import type { FetcherTls } from '@vigil/device-sdk';
import { startServer, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { testContext } from './fixtures.js';
import { deviceClient, enrollDevice, makeUpdatesHarness, type EnrolledDevice, type UpdatesHarness } from './updates-fixtures.js';

describe('firmware attestation and integrity', { timeout: 120_000 }, () => {
  let h: UpdatesHarness;
  let server: RunningServer;
  let orgId: string;
  let device: EnrolledDevice;
  let tls: FetcherTls;
  let base: string;
  const dirs: string[] = [];
  const sha = (version: string, model = 'pulse-ox'): Promise<string> => h.t.platform.updates.releases.get(testContext, model, version).then((r) => r.sha256);
  const report = (firmwareVersion: string, imageSha256: string, at?: Date) => sendAttestation(base, tls, signAttestation({ deviceId: device.deviceId, firmwareVersion, imageSha256, privateKey: device.privateKey, ...(at ? { at } : {}) }));
  const status = async () => (await h.t.platform.devices.service.get(testContext, { deviceId: device.deviceId, orgId })).status;
  const firmwareAlerts = async () => {
    await h.t.platform.security.alerts.flush();
    return h.t.platform.security.alerts.list({ ...testContext, principal: { kind: 'cli', id: 'test' } }, { detector: 'device-firmware' });
  };

  before(async () => {
    h = await makeUpdatesHarness();
    server = await startServer(h.t.platform, createLogger({ level: 'silent' }), { consoleDir: join(h.t.dataDir, 'no-console') });
    orgId = (await h.t.platform.identity.createOrganization({ ...testContext, principal: { kind: 'cli', id: 'op' } }, 'Integrity Hospital')).id;
    device = await enrollDevice(h, orgId, 'pulse-ox', 'SN-ATT-1');
    base = `https://localhost:${server.httpPort}`;
    tls = { caCertificate: readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8'), clientCert: { certPem: device.certPem, keyPem: device.keyPem } };
    await h.t.platform.updates.releases.setPolicy(testContext, { model: 'pulse-ox', maxImageBytes: 1 << 20, requireAttestation: true, quarantineOnUnknownHash: true });
  });
  after(async () => {
    await server.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await h.dispose();
  });

  it('ok/a signed report of a released image is verified; the scan says outdated (a newer release exists)', async () => {
    const answer = await report('1.0.0', await sha('1.0.0'));
    assert.equal(answer.status, 200);
    assert.equal(answer.state, 'verified');
    const scan = await h.t.platform.updates.attestation.scan(testContext, orgId);
    assert.deepEqual(scan.map((e) => [e.deviceId, e.state]), [[device.deviceId, 'outdated']]);
    assert.equal((await firmwareAlerts()).length, 0);
  });

  const refusals: ReadonlyArray<readonly [string, () => Promise<{ status: number }>]> = [
    ['a replayed (older) report', async () => report('1.0.0', await sha('1.0.0'), new Date(Date.now() - 60_000))],
    ['a report from too far in the past', async () => report('1.0.0', await sha('1.0.0'), new Date(Date.now() - 3600_000))],
    ['a report signed by another key', async () => {
      const other = await enrollDevice(h, orgId, 'pulse-ox', 'SN-ATT-2');
      return sendAttestation(base, tls, signAttestation({ deviceId: device.deviceId, firmwareVersion: '1.0.0', imageSha256: await sha('1.0.0'), privateKey: other.privateKey }));
    }],
    ["a report naming another device", async () => sendAttestation(base, tls, signAttestation({ deviceId: 'someone-else', firmwareVersion: '1.0.0', imageSha256: await sha('1.0.0'), privateKey: device.privateKey }))],
    ['a report without a client certificate', async () => sendAttestation(base, { caCertificate: tls.caCertificate, clientCert: { certPem: '', keyPem: '' } }, signAttestation({ deviceId: device.deviceId, firmwareVersion: '1.0.0', imageSha256: 'a'.repeat(64), privateKey: device.privateKey })).catch(() => ({ status: 401 }))],
  ];
  for (const [name, send] of refusals) {
    it(`fail/${name} is refused and changes nothing`, async () => {
      const answer = await send();
      assert.ok(answer.status === 400 || answer.status === 401, `status ${answer.status}`);
      assert.equal(await status(), 'active');
    });
  }

  it('fail/a tampered hash is flagged within one report, alerts, and quarantines the device per policy', async () => {
    const answer = await report('1.0.0', 'e'.repeat(64));
    assert.equal(answer.state, 'unknown-hash');
    assert.equal(answer.quarantined, true);
    assert.equal(await status(), 'quarantined');
    const alerts = await firmwareAlerts();
    assert.equal(alerts.length, 1);
    assert.match(alerts[0]?.title ?? '', /no signed release/);
    const scan = await h.t.platform.updates.attestation.scan(testContext, orgId);
    assert.equal(scan.find((e) => e.deviceId === device.deviceId)?.state, 'unknown-hash');
  });

  it('fail/a report of the same tampered image keeps the quarantine; a foreign image is foreign-hash', async () => {
    assert.equal((await report('1.0.0', 'e'.repeat(64))).state, 'unknown-hash');
    assert.equal((await report('1.0.0', await sha('1.0.0', 'infusion-pump'))).state, 'foreign-hash');
    assert.equal(await status(), 'quarantined');
  });

  it('ok/remediation: the quarantined device installs the known-good release through /tuf and a verified report releases it', async () => {
    const d = await deviceClient(h, [`${base}/tuf`], {
      tls,
      currentVersion: '1.0.0',
      attest: async (version, imageSha256) => {
        const answer = await sendAttestation(base, tls, signAttestation({ deviceId: device.deviceId, firmwareVersion: version, imageSha256, privateKey: device.privateKey }));
        assert.equal(answer.state, 'verified');
        assert.equal(answer.released, true);
      },
    });
    dirs.push(d.stateDir);
    const outcome = await d.client.update('pulse-ox/1.1.0/firmware.bin');
    assert.equal(outcome.status, 'installed', JSON.stringify(outcome));
    assert.equal(await status(), 'active');
    const scan = await h.t.platform.updates.attestation.scan(testContext, orgId);
    assert.equal(scan.find((e) => e.deviceId === device.deviceId)?.state, 'verified');
  });

  it('fail/a version below the published minimum is flagged; a device that must report and never did is flagged by the daily check', async () => {
    await h.publish('pulse-ox', '2.0.0', { minVersion: '1.1.0' });
    const low = await report('1.0.0', await sha('1.0.0'));
    assert.equal(low.state, 'below-minimum');
    assert.equal(low.quarantined, false, 'the policy quarantines on unknown hashes only');
    const flagged = await h.t.platform.updates.attestation.flagMissingReports(testContext, [orgId]);
    assert.equal(flagged, 1, 'SN-ATT-2 never reported');
    const alerts = await firmwareAlerts();
    // Findings on one device within a day join its open alert (one alert per device, counted).
    const own = alerts.find((a) => a.subject.id === device.deviceId);
    assert.ok(own !== undefined && own.count >= 4, `the device's alert counts every failed report (${own?.count})`);
    assert.ok(alerts.some((a) => a.subject.id !== device.deviceId && /No firmware attestation/.test(a.title)));
  });
});
