/**
 * Change control and audits over HTTPS on a real server: a privileged role grant needs an approved
 * change request; the requester cannot approve; the approver must pass MFA again (a fresh TOTP
 * code); the approved change takes effect, is listed by GET /api/v1/changes?before=TIME and links
 * its audit events. An audit run over HTTP stores its run and findings; the report comes signed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../identity/index.js';
import { ADMIN_PASSWORD, errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';

describe('compliance over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let second: Signed;
  let target: Signed;
  const fresh = (who: Signed) => {
    h.clock.advance(31_000); // a new TOTP step: codes are single-use
    return totpCode(who.totpSecret ?? '', h.clock.now());
  };

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup('Hospital A');
    admin = await h.signIn('admin', ADMIN_PASSWORD);
    second = await h.createUser(admin, 'second.admin', ['org-admin']);
    target = await h.createUser(admin, 'ward.manager', ['clinician']);
  });
  after(async () => h.dispose());

  it('fail/a privileged role grant without an approved change request is refused', async () => {
    const answer = await h.as(admin, 'PUT', `/api/v1/users/${target.userId}/roles`, { roles: ['clinician', 'security-officer'] });
    assert.equal(answer.status, 403);
    assert.equal(errorCode(answer), 'COMPLIANCE_CHANGE_REQUIRED');
  });

  it('ok/a non-privileged role change needs no change request', async () => {
    const answer = await h.as(admin, 'PUT', `/api/v1/users/${target.userId}/roles`, { roles: ['clinician', 'auditor'] });
    assert.equal(answer.status, 200);
    target = await h.signIn('ward.manager', 'Quartz-Meadow-Lantern-93');
  });

  it('ok/two-person approval with MFA again: self-approval and a wrong code are refused, the approved grant takes effect', async () => {
    const requested = await h.as(admin, 'POST', '/api/v1/changes', {
      kind: 'role-grant',
      target: target.userId,
      payload: { roles: ['clinician', 'security-officer'] },
      summary: 'ward manager becomes the security officer of Hospital A',
      stepUpCode: fresh(admin),
    });
    assert.equal(requested.status, 200, JSON.stringify(requested.body));
    const id = requested.body['id'] as string;
    assert.equal(requested.body['status'], 'pending');

    const self = await h.as(admin, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: fresh(admin) });
    assert.equal(errorCode(self), 'COMPLIANCE_CHANGE_SELF_APPROVAL');
    const noCode = await h.as(second, 'POST', `/api/v1/changes/${id}/approve`, {});
    assert.equal(noCode.status, 400);
    const wrong = await h.as(second, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: '000000' });
    assert.equal(errorCode(wrong), 'IDENTITY_MFA_FAILED');
    const approved = await h.as(second, 'POST', `/api/v1/changes/${id}/approve`, { stepUpCode: fresh(second) });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body['status'], 'applied');
    assert.ok((approved.body['audit'] as { requestIds: string[] }).requestIds.includes(`change-${id}`));

    const users = await h.as(admin, 'GET', '/api/v1/users');
    const granted = (users.body['users'] as Array<{ id: string; roles: string[] }>).find((u) => u.id === target.userId);
    assert.deepEqual(granted?.roles.sort(), ['clinician', 'security-officer']);

    const later = new Date(h.clock.now().getTime() + 1000).toISOString();
    const listed = await h.as(second, 'GET', `/api/v1/changes?before=${encodeURIComponent(later)}`);
    assert.deepEqual((listed.body['changes'] as Array<{ id: string }>).map((c) => c.id), [id]);
    const earlier = await h.as(second, 'GET', `/api/v1/changes?before=${encodeURIComponent(new Date(h.clock.now().getTime() - 3_600_000).toISOString())}`);
    assert.deepEqual(earlier.body['changes'], []);
  });

  it('ok/an audit run over HTTP stores its run; findings are listed; a clinician is refused', async () => {
    const run = await h.as(admin, 'POST', '/api/v1/compliance/audits', { cadence: 'full' });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const counts = run.body['counts'] as { error: number; notApplicable: number };
    assert.equal(counts.error, 0);
    // Backups and firmware updates are part of the build: their checks evaluate (nothing backed up yet).
    const results = run.body['results'] as Array<{ checkId: string; status: string }>;
    const statusOf = (id: string) => results.find((r) => r.checkId === id)?.status;
    assert.equal(statusOf('PLT-BACKUP-RECENT'), 'fail');
    assert.equal(statusOf('PLT-DR-DRILL'), 'fail');
    assert.notEqual(statusOf('DEV-ATTESTATION'), 'not_applicable');
    assert.notEqual(statusOf('DEV-FIRMWARE-EOS'), 'not_applicable');
    const runs = await h.as(admin, 'GET', '/api/v1/compliance/audits');
    assert.equal((runs.body['runs'] as unknown[]).length, 1);
    const findings = await h.as(admin, 'GET', '/api/v1/compliance/findings?status=open');
    assert.equal(findings.status, 200);
    const checks = await h.as(admin, 'GET', '/api/v1/compliance/checks');
    assert.ok((checks.body['checks'] as Array<{ id: string }>).some((c) => c.id === 'CHG-EMERGENCY-UNREVIEWED'));
    const report = await h.as(admin, 'GET', '/api/v1/compliance/report?format=json');
    assert.equal(report.status, 200);
    assert.equal(report.body['vigilSignedReport'], 1);
    const payload = JSON.parse(report.body['payload'] as string) as { controls: Array<{ id: string; status: string }>; questionnaire: unknown[] };
    assert.ok(payload.controls.some((c) => c.id === '§164.312(b)'));
    assert.equal(payload.questionnaire.length, 10);
    // Vigil's own SBOM, generated from the lockfile by `npm run build` (npm run sbom -w @vigil/server)
    const sbom = await h.as(admin, 'GET', '/api/v1/platform/sbom');
    assert.equal(sbom.status, 200, JSON.stringify(sbom.body));
    assert.equal(sbom.body['bomFormat'], 'CycloneDX');
    assert.ok((sbom.body['components'] as Array<{ purl?: string }>).some((c) => c.purl?.startsWith('pkg:npm/fastify@') === true));
    const clinician = await h.createUser(admin, 'nurse.one', ['clinician']);
    assert.equal((await h.as(clinician, 'GET', '/api/v1/compliance/findings')).status, 403);
  });
});
