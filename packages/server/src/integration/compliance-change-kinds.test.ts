/**
 * Change control for every setting kind over HTTPS on a real server (issue 14 item 5): the
 * password preset, a detector, an insecure flag and the KEK change only after a second platform
 * admin approves with MFA again; the requester's own approval and an approval without a fresh
 * code are refused; the direct changes (the KEK route, identity's setter, the platform's KEK
 * rotation) are refused; the applied changes are recorded in managed-settings.json with their
 * change id, audited under `change-<id>`, live where the issue asks (password preset, detectors),
 * and the insecure flag takes effect at the next start while PLT-INSECURE-FLAGS reports it now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { followManagedSettings } from '../composition/managed-settings-sync.js';
import { loadConfig, readManagedSettings, validate } from '../config/index.js';
import { totpCode } from '../identity/index.js';
import { cliPrincipal, type RequestContext } from '../kernel/index.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, errorCode, IdentityHarness, USER_PASSWORD, type Answer, type Signed } from './identity-fixtures.js';

describe('change control for settings and keys over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let second: Signed;
  let orgAdmin: Signed;
  const fresh = (who: Signed) => {
    h.clock.advance(31_000); // a new TOTP step: codes are single-use
    return totpCode(who.totpSecret ?? '', h.clock.now());
  };
  const managed = () => (JSON.parse(readFileSync(join(h.t.dataDir, 'managed-settings.json'), 'utf8')) as { settings: Record<string, { value: unknown; changeId: string }> }).settings;
  const auditActions = async (requestId: string) => {
    const rows = await h.t.platform.database.db.selectFrom('audit_events').select(['action', 'request_id']).where('request_id', '=', requestId).execute();
    return rows.map((r) => r.action);
  };

  /** Requests a change as `admin`, checks the refusals, approves it as `second`; returns the approval's answer. */
  async function twoPerson(body: Record<string, unknown>): Promise<{ id: string; approved: Answer }> {
    const requested = await h.as(admin, 'POST', '/api/v1/changes', { ...body, stepUpCode: fresh(admin) });
    assert.equal(requested.status, 200, JSON.stringify(requested.body));
    const id = requested.body['id'] as string;
    assert.equal(requested.body['status'], 'pending');
    assert.equal(errorCode(await h.as(admin, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: fresh(admin) })), 'COMPLIANCE_CHANGE_SELF_APPROVAL');
    assert.equal(errorCode(await h.as(second, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: '000000' })), 'IDENTITY_MFA_FAILED');
    assert.equal(errorCode(await h.as(orgAdmin, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: fresh(orgAdmin) })), 'FORBIDDEN', 'an organization admin does not approve platform settings');
    const approved = await h.as(second, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: fresh(second) });
    return { id, approved };
  }

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup('Hospital A');
    admin = await h.signIn('admin', ADMIN_PASSWORD);
    // A second platform admin, made on the host (the CLI's `vigil user create`): MFA enrolled at sign-in.
    const orgId = (await h.t.platform.identity.listOrganizations(testContext))[0]?.id ?? '';
    await h.t.platform.identity.createUser(testContext, { orgId, username: 'second.admin', displayName: 'Second Admin', roles: ['platform-admin'], password: USER_PASSWORD });
    second = await h.signIn('second.admin', USER_PASSWORD);
    orgAdmin = await h.createUser(admin, 'org.admin', ['org-admin']);
  });
  after(async () => h.dispose());

  it('ok/password-settings: applied after a second platform admin approves with MFA; live, recorded and audited under the change', async () => {
    assert.equal(h.t.platform.identity.passwordPreset, 'regular-change');
    const direct: RequestContext = { principal: cliPrincipal('root'), requestId: 'direct', source: 'local' };
    await assert.rejects(h.t.platform.identity.setPasswordPreset(direct, 'nist'), { code: 'COMPLIANCE_CHANGE_REQUIRED' }, 'not even the host changes it directly');
    const { id, approved } = await twoPerson({ kind: 'password-settings', target: 'passwords.preset', payload: { preset: 'nist' }, summary: 'move to the NIST SP 800-63B password preset' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body['status'], 'applied');
    assert.equal(h.t.platform.identity.passwordPreset, 'nist');
    assert.equal(h.t.platform.identity.policy.maxAgeDays, null, 'the live policy: no expiry');
    assert.deepEqual(managed()['passwords.preset'], { ...managed()['passwords.preset'], value: 'nist', changeId: id });
    assert.deepEqual((await auditActions(`change-${id}`)).sort(), ['compliance.change.apply', 'config.setting.change', 'identity.password_policy.change']);
    // Recorded in the shared database too: another node of this database (its own data directory) takes it at its start.
    const nodeB = await mkdtemp(join(tmpdir(), 'vigil-node-b-'));
    try {
      const followed = await followManagedSettings(validate({ dataDir: nodeB }).config, h.t.platform.database, nodeB);
      assert.deepEqual(followed.followed, ['passwords.preset']);
      assert.equal(followed.config.passwords.preset, 'nist');
      assert.equal(readManagedSettings(nodeB)['passwords.preset']?.changeId, id);
    } finally {
      await rm(nodeB, { recursive: true, force: true });
    }
  });

  it('fail/a setting change the configuration would refuse is refused when requested, and an organization admin may not request one', async () => {
    const bad = await h.as(admin, 'POST', '/api/v1/changes', { kind: 'password-settings', target: 'passwords.preset', payload: { preset: 'none' }, summary: 'no password rules at all', stepUpCode: fresh(admin) });
    assert.equal(errorCode(bad), 'COMPLIANCE_CHANGE_INVALID');
    const unknown = await h.as(admin, 'POST', '/api/v1/changes', { kind: 'detector-settings', target: 'mindReader', payload: { enabled: true }, summary: 'a detector that does not exist', stepUpCode: fresh(admin) });
    assert.equal(errorCode(unknown), 'COMPLIANCE_CHANGE_INVALID');
    const range = await h.as(admin, 'POST', '/api/v1/changes', { kind: 'detector-settings', target: 'bruteForce', payload: { failures: 0 }, summary: 'never alert on brute force', stepUpCode: fresh(admin) });
    assert.equal(errorCode(range), 'COMPLIANCE_CHANGE_INVALID');
    const org = await h.as(orgAdmin, 'POST', '/api/v1/changes', { kind: 'insecure-flag', target: 'allowPlaintextDatabase', payload: { enabled: true }, summary: 'plaintext database please', stepUpCode: fresh(orgAdmin) });
    assert.equal(errorCode(org), 'FORBIDDEN');
  });

  it('ok/detector-settings: a detector switched off by an approved change is off now, and the audit check reports it', async () => {
    const { id, approved } = await twoPerson({ kind: 'detector-settings', target: 'deviceFlapping', payload: { enabled: false }, summary: 'flapping detector off during the ward 3 network work' });
    assert.equal(approved.body['status'], 'applied', JSON.stringify(approved.body));
    assert.equal(h.t.platform.compliance.effective.current.security.detectors.deviceFlapping.enabled, false);
    assert.equal(managed()['security.detectors.deviceFlapping.enabled']?.changeId, id);
    const run = await h.as(admin, 'POST', '/api/v1/compliance/audits', { cadence: 'daily' });
    const result = (run.body['results'] as Array<{ checkId: string; status: string }>).find((r) => r.checkId === 'PLT-DETECTORS-ENABLED');
    assert.equal(result?.status, 'fail');
  });

  it('ok/insecure-flag: recorded now, in force at the next start; PLT-INSECURE-FLAGS reports it at once', async () => {
    const { id, approved } = await twoPerson({ kind: 'insecure-flag', target: 'allowPlaintextDatabase', payload: { enabled: true }, summary: 'the DR site database has no TLS until Friday' });
    assert.equal(approved.body['status'], 'applied', JSON.stringify(approved.body));
    assert.equal(h.t.platform.config.insecure.allowPlaintextDatabase, false, 'the running server keeps its flags');
    assert.equal(loadConfig({ flags: { dataDir: h.t.dataDir }, env: {} }).config.insecure.allowPlaintextDatabase, true, 'the next start has it');
    const run = await h.as(admin, 'POST', '/api/v1/compliance/audits', { cadence: 'daily' });
    assert.equal((run.body['results'] as Array<{ checkId: string; status: string }>).find((r) => r.checkId === 'PLT-INSECURE-FLAGS')?.status, 'fail');
    const findings = await h.as(admin, 'GET', '/api/v1/compliance/findings?status=open');
    const finding = (findings.body['findings'] as Array<{ checkId: string; detail: string }>).find((f) => f.checkId === 'PLT-INSECURE-FLAGS');
    assert.match(finding?.detail ?? '', new RegExp(`change ${id}; it takes effect at the next start`));
  });

  it('ok/key-rotation: the KEK rotates (and re-wraps) only as the approved change; the direct route and platform call are refused', async () => {
    const before = h.t.platform.keys.active('kek').id;
    const route = await h.as(admin, 'POST', '/api/v1/keys/kek/rotate');
    assert.equal(route.status, 403);
    assert.equal(errorCode(route), 'COMPLIANCE_CHANGE_REQUIRED');
    await assert.rejects(h.t.platform.rotateKek({ principal: cliPrincipal('root'), requestId: 'direct', source: 'local' }), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
    assert.equal(h.t.platform.keys.active('kek').id, before);
    const { id, approved } = await twoPerson({ kind: 'key-rotation', target: 'kek', payload: {}, summary: 'yearly KEK rotation' });
    assert.equal(approved.body['status'], 'applied', JSON.stringify(approved.body));
    assert.notEqual(h.t.platform.keys.active('kek').id, before);
    assert.ok((await auditActions(`change-${id}`)).includes('keys.kek.rotate'));
    // spent: the same change does not rotate twice
    await assert.rejects(h.t.platform.rotateKek({ principal: cliPrincipal('root'), requestId: `change-${id}`, source: 'local' }), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
  });
});
