/**
 * vigil-sim's simulated firmware against a running server: SDK-enrolled devices attest at start,
 * answer firmware.update through TUF, and the tamper flag is flagged and quarantined at once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enroll, simulatedFirmware, type SimulatedFirmwareOptions } from '@vigil/device-sdk';
import { startServer, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { testContext } from './fixtures.js';
import { freePort, makeUpdatesHarness, type UpdatesHarness } from './updates-fixtures.js';

describe('vigil-sim simulated firmware', { timeout: 120_000 }, () => {
  let h: UpdatesHarness;
  let server: RunningServer;
  let dir: string;
  let orgId: string;
  let base: string;
  let options: SimulatedFirmwareOptions;
  const device = async (serial: string) => {
    const token = await h.t.platform.devices.service.issueEnrollmentToken({ ...testContext, principal: { kind: 'cli', id: 'op' } }, { orgId, model: 'pulse-ox' });
    const stateDir = join(dir, serial);
    const identity = await enroll({ url: base, token: token.token, serial, caCertificate: options.caCertificate, stateDir });
    return { stateDir, deviceId: identity.deviceId };
  };
  const status = async (deviceId: string) => (await h.t.platform.devices.service.get(testContext, { deviceId, orgId })).status;

  before(async () => {
    // Enrolment answers the MQTT port, which the SDK requires: give the broker a known one.
    h = await makeUpdatesHarness({ mqttPort: await freePort() });
    server = await startServer(h.t.platform, createLogger({ level: 'silent' }), { consoleDir: join(h.t.dataDir, 'no-console') });
    dir = await mkdtemp(join(tmpdir(), 'vigil-sim-fw-'));
    orgId = (await h.t.platform.identity.createOrganization({ ...testContext, principal: { kind: 'cli', id: 'op' } }, 'Sim Hospital')).id;
    base = `https://localhost:${server.httpPort}`;
    await h.t.platform.updates.releases.setPolicy(testContext, { model: 'pulse-ox', maxImageBytes: 1 << 20, requireAttestation: true, quarantineOnUnknownHash: true });
    options = {
      baseUrl: base,
      caCertificate: readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8'),
      model: 'pulse-ox',
      version: '1.0.0',
      imageSha256: (await h.t.platform.updates.releases.get(testContext, 'pulse-ox', '1.0.0')).sha256,
      hardwareRevision: 'rev-a',
      trustedRoot: h.rootV1,
    };
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    await h.dispose();
  });

  it('ok/a healthy device attests verified and installs on firmware.update; a failing one answers failed', async () => {
    const healthy = await device('SIM-OK');
    const fw = await simulatedFirmware(healthy.stateDir, options);
    assert.equal(fw.behaviour, 'healthy');
    assert.equal(await fw.attest(), 'verified');
    const done = await fw.onUpdate({ targetPath: 'pulse-ox/1.1.0/firmware.bin' }, { v: 1, id: 'c', name: 'firmware.update', args: {}, nonce: 'n', issuedAt: '', expiresAt: '' } as never);
    assert.deepEqual(done, { status: 'done' });
    const failing = await device('SIM-FAIL');
    const bad = await simulatedFirmware(failing.stateDir, { ...options, failInstallShare: 1 });
    const answer = await bad.onUpdate({ targetPath: 'pulse-ox/1.1.0/firmware.bin' }, {} as never);
    assert.deepEqual(answer, { status: 'failed', reason: 'install-failed' });
  });

  it('fail/a device with the tamper flag is flagged on its first report and quarantined per policy', async () => {
    const tampered = await device('SIM-TAMPER');
    const fw = await simulatedFirmware(tampered.stateDir, { ...options, tamperShare: 1 });
    assert.equal(await fw.attest(), 'unknown-hash');
    assert.equal(await status(tampered.deviceId), 'quarantined');
  });
});
