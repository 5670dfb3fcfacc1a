/** The firmware HTTP routes over a real platform (SQLite) with a header-to-Principal test authorizer. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { makePlatform, type TestPlatform } from '../../integration/fixtures.js';
import { makeUser } from '../../integration/patients-fixtures.js';
import { imageBytes, sbomJson } from '../../updates/testing/release-fixtures.js';
import { firmwareRoutes } from './firmware-routes.js';
import type { HttpServer } from './http-server-type.js';
import { createTestServer, makeTestPki } from './http-fixtures.js';
import { TEST_PRINCIPAL_HEADER, TestPrincipals } from './principal-fixtures.js';

describe('firmware routes', () => {
  let t: TestPlatform;
  let app: HttpServer;
  const principals = new TestPrincipals();
  const as = (name: string, options: InjectOptions) => app.inject({ ...options, headers: { ...options.headers, [TEST_PRINCIPAL_HEADER]: name } });
  const upload = (name: string, model: string, bytes: Buffer) =>
    as(name, { method: 'PUT', url: `/api/v1/firmware/images?model=${model}`, headers: { 'content-type': 'application/octet-stream' }, payload: bytes });

  before(async () => {
    t = await makePlatform();
    principals.add('platform', makeUser('org-a', ['platform-admin']));
    principals.add('technician', makeUser('org-a', ['technician']));
    principals.add('clinician', makeUser('org-a', ['clinician']));
    app = await createTestServer(makeTestPki(), { authorize: principals.authorize, routes: [firmwareRoutes({ releases: t.platform.updates.releases })] });
  });
  after(async () => {
    await app.close();
    await t.dispose();
  });

  it('ok/upload streams the image, publish stores the release, technicians read it and its SBOM', async () => {
    const up = await upload('platform', 'pulse-ox', imageBytes(100_000));
    assert.equal(up.statusCode, 201, up.body);
    const image = up.json<{ sha256: string; length: number }>();
    assert.equal(image.length, 100_000);
    const body = { model: 'pulse-ox', version: '1.2.0', hardwareRevisions: ['rev-a'], sha256: image.sha256, supportEndsAt: '2030-01-01', endOfLifeAt: '2031-01-01', sbom: sbomJson() };
    const pub = await as('platform', { method: 'POST', url: '/api/v1/firmware/releases', payload: body });
    assert.equal(pub.statusCode, 201, pub.body);
    const list = await as('technician', { method: 'GET', url: '/api/v1/firmware/releases?model=pulse-ox' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json<{ releases: Array<{ version: string }> }>().releases.map((r) => r.version), ['1.2.0']);
    const sbom = await as('technician', { method: 'GET', url: '/api/v1/firmware/releases/pulse-ox/1.2.0/sbom' });
    assert.equal(sbom.statusCode, 200);
    assert.match(String(sbom.headers['content-type']), /cyclonedx/);
  });

  it('fail/an image over the model limit is 413 UPDATES_IMAGE_TOO_LARGE', async () => {
    const set = await as('platform', { method: 'PUT', url: '/api/v1/firmware/models/small/policy', payload: { maxImageBytes: 4096, requireAttestation: false, quarantineOnUnknownHash: false } });
    assert.equal(set.statusCode, 200, set.body);
    const up = await upload('platform', 'small', imageBytes(70_000));
    assert.equal(up.statusCode, 413);
    assert.equal(up.json<{ error: { code: string } }>().error.code, 'UPDATES_IMAGE_TOO_LARGE');
  });

  it('fail/an image sent as JSON is 415; a technician may not upload (403)', async () => {
    const json = await as('platform', { method: 'PUT', url: '/api/v1/firmware/images?model=pulse-ox', payload: {} });
    assert.equal(json.statusCode, 415);
    assert.equal((await upload('technician', 'pulse-ox', imageBytes(10))).statusCode, 403);
    assert.equal((await as('clinician', { method: 'GET', url: '/api/v1/firmware/releases' })).statusCode, 403);
  });

  it('fail/a non-CycloneDX SBOM is 400 UPDATES_SBOM_INVALID with the reason', async () => {
    const up = (await upload('platform', 'pulse-ox', imageBytes(1000, 7))).json<{ sha256: string }>();
    const body = { model: 'pulse-ox', version: '1.3.0', hardwareRevisions: ['rev-a'], sha256: up.sha256, supportEndsAt: '2030-01-01', endOfLifeAt: '2031-01-01', sbom: '{"spdxVersion":"SPDX-2.3"}' };
    const pub = await as('platform', { method: 'POST', url: '/api/v1/firmware/releases', payload: body });
    assert.equal(pub.statusCode, 400);
    const error = pub.json<{ error: { code: string; message: string } }>().error;
    assert.equal(error.code, 'UPDATES_SBOM_INVALID');
    assert.match(error.message, /not CycloneDX/);
  });
});
