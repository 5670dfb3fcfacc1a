/**
 * The rollout routes' site: POST /api/v1/rollouts with a site places only that site's devices, and
 * GET /api/v1/rollouts/{id} and the list show it; a bad site code is 400 and stores nothing.
 * A real platform (SQLite, device registry, releases); a test authorizer (an MFA user of org-1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decide } from '../../access/index.js';
import { makeTestCsr } from '../../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, AppError, type Principal, type RequestContext } from '../../kernel/index.js';
import { makePlatform, testContext, type TestPlatform } from '../../integration/fixtures.js';
import { imageBytes, releaseInput, streamOf } from '../../updates/testing/release-fixtures.js';
import { createTestServer, makeTestPki } from './http-fixtures.js';
import type { HttpServer } from './http-server-type.js';
import type { Authorizer } from './route-permissions.js';
import { rolloutRoutes } from './rollout-routes.js';

const ORG = 'org-1';
const admin: Principal = { kind: 'user', id: 'u-admin', orgId: ORG, username: 'admin', roles: ['org-admin'], sessionId: 's', mfa: true };
const ctx: RequestContext = { principal: admin, requestId: 'r', source: '127.0.0.1' };
const authorize: Authorizer = (_request, permission) => {
  if (!decide(admin, permission).allow) return Promise.reject(new AppError('FORBIDDEN'));
  return Promise.resolve(admin);
};

describe('rollout routes: site', () => {
  let t: TestPlatform;
  let app: HttpServer;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await makePlatform();
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    for (const [serial, site] of [['S-north', 'north'], ['S-south', 'south'], ['S-none', null]] as const) {
      const { token } = await t.platform.devices.service.issueEnrollmentToken(ctx, { model: 'pulse-ox' });
      const { deviceId } = await t.platform.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token, csr: (await makeTestCsr()).pem, serial });
      if (site !== null) await t.platform.devices.service.setSite(ctx, { deviceId }, site);
      ids[serial] = deviceId;
    }
    app = await createTestServer(makeTestPki(), { authorize, routes: [rolloutRoutes({ rollouts: t.platform.updates.rollouts })] });
  });
  after(async () => {
    await app.close();
    await t.dispose();
  });

  it('ok/a campaign with a site places only its devices and shows the site; fail/a bad code is 400 with nothing stored', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'pulse-ox', version: '1.1.0', site: 'north wing' } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.equal((await t.platform.updates.rollouts.list(ctx)).length, 0, 'nothing stored');

    const created = await app.inject({ method: 'POST', url: '/api/v1/rollouts', payload: { model: 'pulse-ox', version: '1.1.0', site: 'north', waves: [100] } });
    assert.equal(created.statusCode, 201, created.body);
    const campaign = created.json<{ id: string; site: string | null }>();
    assert.equal(campaign.site, 'north');
    const status = await app.inject({ method: 'GET', url: `/api/v1/rollouts/${campaign.id}` });
    assert.equal(status.statusCode, 200, status.body);
    const body = status.json<{ campaign: { site: string | null }; waves: Array<{ devices: number }> }>();
    assert.equal(body.campaign.site, 'north');
    assert.deepEqual(body.waves.map((w) => w.devices), [1], 'one device: the one at north');
    const placed = await t.platform.database.db.selectFrom('rollout_devices').select('device_id').where('campaign_id', '=', campaign.id).execute();
    assert.deepEqual(placed.map((r) => r.device_id), [ids['S-north']]);

    const list = await app.inject({ method: 'GET', url: '/api/v1/rollouts' });
    assert.deepEqual(list.json<{ rollouts: Array<{ site: string | null }> }>().rollouts.map((r) => r.site), ['north']);
  });
});
