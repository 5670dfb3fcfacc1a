/**
 * Alert delivery, usage reports, the accounting of disclosures and /metrics over a running server
 * (SQLite, real audit chain, ManualClock), through the HTTPS API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditRecord } from '@vigil/protocol';
import { readAllEvents } from '../audit/index.js';
import type { Principal, RequestContext } from '../kernel/index.js';
import { ADMIN_PASSWORD, IdentityHarness, type Signed } from './identity-fixtures.js';
import { ADA } from './patients-fixtures.js';

describe('delivery, usage and metrics over HTTPS', () => {
  let h: IdentityHarness;
  let admin: Signed;
  let adminCtx: RequestContext;
  let patientId: string;
  let officer: Signed;
  let grantId: string;

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup();
    assert.equal((await h.login('admin', 'wrong-password-123')).status, 401);
    admin = await h.signIn('admin', ADMIN_PASSWORD);
    const session = await h.as(admin, 'GET', '/api/v1/auth/session');
    const user = session.body['user'] as { id: string; orgId: string; username: string; roles: Array<'org-admin'> };
    const principal: Principal = { kind: 'user', id: user.id, orgId: user.orgId, username: user.username, roles: user.roles, sessionId: 'it', mfa: true };
    adminCtx = { principal, requestId: 'it-req', source: '127.0.0.1' };
    const { patients } = h.t.platform;
    const now = h.clock.now().getTime();
    const course = { course: 'hipaa-privacy-security', completedAt: new Date(now - 86_400_000).toISOString(), expiresAt: new Date(now + 300 * 86_400_000).toISOString() };
    await patients.training.record(adminCtx, user.id, course);
    patientId = (await patients.records.create(adminCtx, ADA)).id;
    // The doctor reads under a break-glass grant (the accounting must name the grant).
    const doc = await h.createUser(admin, 'doc', ['clinician']);
    await patients.training.record(adminCtx, doc.userId, course);
    const docCtx: RequestContext = { principal: { kind: 'user', id: doc.userId, orgId: user.orgId, username: 'doc', roles: ['clinician'], sessionId: 'it', mfa: true }, requestId: 'it-doc', source: '127.0.0.1' };
    grantId = (await patients.breakGlass.grant(docCtx, patientId, 'Patient collapsed in the ward, record needed')).id;
    await patients.records.get({ ...docCtx, requestId: 'it-read-1' }, patientId);
    officer = await h.createUser(admin, 'officer', ['security-officer']);
  });
  after(() => h.dispose());

  it('ok/disclosures: who read the patient, when, under which basis; the accounting read is audited', async () => {
    const answer = await h.as(admin, 'GET', `/api/v1/patients/${patientId}/disclosures`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const disclosures = answer.body['disclosures'] as Array<Record<string, unknown>>;
    const read = disclosures.find((d) => d['action'] === 'patients.record.read');
    assert.ok(read, JSON.stringify(disclosures));
    assert.equal(read['username'], 'doc');
    assert.equal(read['basis'], 'break-glass');
    assert.equal(read['grantId'], grantId);
    assert.equal(read['route'], 'GET /api/v1/patients/:id');
    assert.match(String(read['fields']), /birthDate/);
    assert.ok(!disclosures.some((d) => d['action'] === 'patients.record.create'), 'registration is not a disclosure');
    assert.doesNotMatch(JSON.stringify(answer.body), /Lovelace/);
    const events: AuditRecord[] = [];
    for await (const e of readAllEvents(h.t.platform.auditReader())) events.push(e);
    const view = events.find((e) => e.action === 'compliance.disclosures.view');
    assert.ok(view);
    assert.equal(view.targetId, patientId);
  });

  it('ok/disclosures as CSV answer text/csv', async () => {
    const answer = await h.as(admin, 'GET', `/api/v1/patients/${patientId}/disclosures?format=csv`);
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/csv/);
  });

  it('fail/disclosures: unknown patient 404; a clinician-less officer may read, a technician may not', async () => {
    assert.equal((await h.as(admin, 'GET', '/api/v1/patients/00000000-0000-4000-8000-000000000000/disclosures')).status, 404);
    assert.equal((await h.as(officer, 'GET', `/api/v1/patients/${patientId}/disclosures`)).status, 200);
    const tech = await h.createUser(admin, 'tech', ['technician']);
    assert.equal((await h.as(tech, 'GET', `/api/v1/patients/${patientId}/disclosures`)).status, 403);
    assert.equal((await h.as(tech, 'GET', '/api/v1/usage/users')).status, 403);
  });

  it('ok/usage: per-user activity and platform usage after the counters flush', async () => {
    await h.server.flushUsage();
    const users = await h.as(officer, 'GET', '/api/v1/usage/users');
    assert.equal(users.status, 200, JSON.stringify(users.body));
    const rows = users.body['users'] as Array<Record<string, unknown>>;
    const row = rows.find((u) => u['username'] === 'admin');
    assert.ok(row);
    assert.ok(Number(row['logins']) >= 1);
    assert.equal(row['failedLogins'], 1);
    assert.ok(Number(row['apiCalls']) >= 3, JSON.stringify(row));
    assert.ok(typeof row['lastActiveAt'] === 'string');
    assert.equal(rows.find((u) => u['username'] === 'doc')?.['phiReads'], 1);

    const platform = await h.as(officer, 'GET', '/api/v1/usage/platform?interval=hour');
    assert.equal(platform.status, 200, JSON.stringify(platform.body));
    const series = platform.body['series'] as Array<{ t: string; logins: number; apiCalls: number }>;
    assert.equal(series.length, 25, "from and to both inclusive");
    assert.ok(series.reduce((n, p) => n + p.logins, 0) >= 2);
    const routes = platform.body['routes'] as Array<{ route: string; count: number }>;
    assert.ok(routes.some((r) => r.route === 'GET /api/v1/patients/:id/disclosures'), JSON.stringify(routes));
    assert.ok(!routes.some((r) => r.route.includes(patientId)), 'patterns, never URLs');

    const csv = await h.as(officer, 'GET', '/api/v1/usage/users?format=csv');
    assert.equal(csv.status, 200);
    assert.equal((await h.as(officer, 'GET', '/api/v1/usage/platform?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status, 400);
  });

  it('ok/channels: created and listed without secrets; unknown dead letter 404', async () => {
    const created = await h.as(officer, 'POST', '/api/v1/security/channels', {
      kind: 'webhook',
      name: 'SOC',
      minSeverity: 'high',
      config: { url: 'https://soc.example.org/hooks/vigil', secret: 'whsec-0123456789abcdef' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const list = await h.as(officer, 'GET', '/api/v1/security/channels');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body['channels'], [{ id: created.body['id'], kind: 'webhook', name: 'SOC', enabled: true, minSeverity: 'high', target: 'https://soc.example.org/hooks/vigil' }]);
    assert.doesNotMatch(JSON.stringify(list.body), /whsec/);
    const insecure = await h.as(officer, 'POST', '/api/v1/security/channels', {
      kind: 'webhook',
      name: 'plain',
      minSeverity: 'high',
      config: { url: 'http://soc.example.org/hooks', secret: 'whsec-0123456789abcdef' },
    });
    assert.equal(insecure.status, 400);
    const id = String(created.body['id']);
    const one = await h.as(officer, 'GET', `/api/v1/security/channels/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body['name'], 'SOC');
    const edited = await h.as(officer, 'PATCH', `/api/v1/security/channels/${id}`, { enabled: false, name: 'SOC (paused)' });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body['enabled'], false);
    assert.equal((await h.as(officer, 'PATCH', `/api/v1/security/channels/${id}`, { config: { url: 'https://169.254.169.254/latest' } })).status, 400, 'no internal targets');
    assert.equal((await h.as(officer, 'PATCH', `/api/v1/security/channels/${id}`, { secret: 'x' })).status, 400, 'unknown keys refused');
    assert.equal((await h.as(officer, 'DELETE', `/api/v1/security/channels/${id}`)).status, 204);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const answer = await h.as(officer, method, `/api/v1/security/channels/${id}`, method === 'PATCH' ? { enabled: true } : undefined);
      assert.equal(answer.status, 404, `${method} after delete`);
    }
    const events: AuditRecord[] = [];
    for await (const e of readAllEvents(h.t.platform.auditReader())) events.push(e);
    assert.ok(events.some((e) => e.action === 'alerts.channel.update' && e.targetId === id));
    assert.ok(events.some((e) => e.action === 'alerts.channel.delete' && e.targetId === id));
    assert.deepEqual((await h.as(officer, 'GET', '/api/v1/security/dead-letters')).body, { deadLetters: [] });
    assert.equal((await h.as(officer, 'POST', '/api/v1/security/dead-letters/00000000-0000-4000-8000-000000000000/retry')).status, 404);
    const tech = await h.signIn('tech', 'Quartz-Meadow-Lantern-93');
    assert.equal((await h.as(tech, 'GET', '/api/v1/security/channels')).status, 403);
  });

  it('ok/metrics: 404 without a configured token; a service token with metrics:read scrapes', async () => {
    assert.equal((await h.call('GET', '/metrics')).status, 404);
    assert.equal((await h.call('GET', '/metrics', { bearer: 'not-a-token' })).status, 404);
    const account = await h.as(admin, 'POST', '/api/v1/service-accounts', { name: 'prometheus', scopes: ['metrics:read'], expiresInDays: 30 });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    const scrape = await h.call('GET', '/metrics', { bearer: account.body['token'] as string });
    assert.equal(scrape.status, 200);
    assert.match(String(scrape.headers['content-type']), /^text\/plain; version=0.0.4/);
    const other = await h.as(admin, 'POST', '/api/v1/service-accounts', { name: 'ci', scopes: ['devices:read'], expiresInDays: 30 });
    assert.equal((await h.call('GET', '/metrics', { bearer: other.body['token'] as string })).status, 404);
  });
});
