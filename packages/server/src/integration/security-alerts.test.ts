/**
 * Security alerts on a real platform (SQLite, audit log): grouping, lifecycle, tenancy, audit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlertCandidate } from '../alerts/index.js';
import { isAppError, type Principal, type RequestContext } from '../kernel/index.js';
import { makePlatform, type TestPlatform } from './fixtures.js';

const ORG = 'org-a';
const officer: Principal = { kind: 'user', id: 'u-officer', orgId: ORG, username: 'so', roles: ['security-officer'], sessionId: 's', mfa: true };
const orgAdmin: Principal = { kind: 'user', id: 'u-admin', orgId: ORG, username: 'oa', roles: ['org-admin'], sessionId: 's', mfa: true };
const otherOfficer: Principal = { kind: 'user', id: 'u-other', orgId: 'org-b', username: 'ob', roles: ['security-officer'], sessionId: 's', mfa: true };
const platformAdmin: Principal = { kind: 'user', id: 'u-root', orgId: 'org-p', username: 'root', roles: ['platform-admin'], sessionId: 's', mfa: true };
const ctx = (principal: Principal): RequestContext => ({ principal, requestId: 'req-1', source: '127.0.0.1' });
const code = (expected: string) => (error: unknown) => isAppError(error) && error.code === expected;

function candidate(overrides: Partial<AlertCandidate> = {}): AlertCandidate {
  return {
    detector: 'brute-force',
    severity: 'high',
    title: 'Brute force on one account',
    summary: 'x',
    orgId: ORG,
    subject: { kind: 'user', id: 'u-victim' },
    count: 5,
    at: '2026-11-28T12:00:00.000Z',
    windowSeconds: 300,
    eventIds: ['e-1'],
    auditSeqs: [7],
    ...overrides,
  };
}

describe('security alerts', () => {
  let t: TestPlatform;
  before(async () => {
    t = await makePlatform();
  });
  after(async () => {
    await t.dispose();
  });

  test('ok/one attack, one alert with a count; a later attack past the window opens another', async () => {
    const alerts = t.platform.security.alerts;
    alerts.raise(candidate());
    alerts.raise(candidate({ count: 1, at: '2026-11-28T12:01:00.000Z', eventIds: ['e-2'], auditSeqs: [8] }));
    alerts.raise(candidate({ count: 1, at: '2026-11-28T12:02:00.000Z', severity: 'critical', eventIds: ['e-3'], auditSeqs: [9] }));
    await alerts.flush();
    const list = await alerts.list(ctx(officer), { detector: 'brute-force' });
    assert.equal(list.length, 1);
    assert.equal(list[0]?.count, 7);
    assert.equal(list[0]?.severity, 'critical');
    assert.deepEqual(list[0]?.evidence, { securityEventIds: ['e-1', 'e-2', 'e-3'], auditSeqs: [7, 8, 9] });
    alerts.raise(candidate({ at: '2026-11-28T13:00:00.000Z' }));
    await alerts.flush();
    assert.equal((await alerts.list(ctx(officer), { detector: 'brute-force' })).length, 2);
  });

  test('ok/lifecycle: acknowledge, note, suppress with a reason, resolve; each change audited', async () => {
    const alerts = t.platform.security.alerts;
    alerts.raise(candidate({ detector: 'device-replay', subject: { kind: 'device', id: 'dev-1' } }));
    await alerts.flush();
    const [alert] = await alerts.list(ctx(officer), { detector: 'device-replay' });
    assert.ok(alert);
    assert.equal((await alerts.acknowledge(ctx(officer), alert.id)).status, 'acknowledged');
    await assert.rejects(alerts.acknowledge(ctx(officer), alert.id), code('SECURITY_ALERT_STATE'));
    const noted = await alerts.addNote(ctx(officer), alert.id, 'Checked with the ward: a device reboot.');
    assert.equal(noted.notes[0]?.by, 'u-officer');
    assert.equal((await alerts.suppress(ctx(officer), alert.id, 'known-maintenance')).suppressedReason, 'known-maintenance');
    assert.equal((await alerts.resolve(ctx(officer), alert.id)).status, 'resolved');
    const actions = await t.platform.database.db.selectFrom('audit_events').select(['action', 'details']).where('target_id', '=', alert.id).orderBy('seq').execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['security.alert.open', 'security.alert.acknowledge', 'security.alert.note', 'security.alert.suppress', 'security.alert.resolve'],
    );
    assert.ok(!actions.some((a) => a.details.includes('ward')), 'note text is not copied into the audit log');
  });

  const denied: Array<[string, Principal, string]> = [
    ['fail/another organization reads the alert: not found', otherOfficer, 'SECURITY_ALERT_NOT_FOUND'],
    ['fail/an org-admin may read but not manage', orgAdmin, 'FORBIDDEN'],
  ];
  for (const [name, principal, expected] of denied) {
    test(name, async () => {
      const alerts = t.platform.security.alerts;
      const [alert] = await alerts.list(ctx(officer), { detector: 'brute-force' });
      assert.ok(alert);
      await assert.rejects(alerts.acknowledge(ctx(principal), alert.id), code(expected));
    });
  }

  test('ok/platform-level alerts (no organization) are the platform-admin\'s only', async () => {
    const alerts = t.platform.security.alerts;
    alerts.raise(candidate({ detector: 'password-spray', orgId: null, subject: { kind: 'source', id: '203.0.113.9' } }));
    await alerts.flush();
    assert.equal((await alerts.list(ctx(officer), { detector: 'password-spray' })).length, 0);
    const [spray] = await alerts.list(ctx(platformAdmin), { detector: 'password-spray' });
    assert.ok(spray);
    await assert.rejects(alerts.get(ctx(officer), spray.id), code('SECURITY_ALERT_NOT_FOUND'));
    assert.equal((await alerts.get(ctx(platformAdmin), spray.id)).orgId, null);
    assert.equal((await alerts.list(ctx(otherOfficer), {})).length, 0);
  });

  test('fail/an assignee must be an active user of the organization', async () => {
    const alerts = t.platform.security.alerts;
    const [alert] = await alerts.list(ctx(officer), { detector: 'brute-force' });
    assert.ok(alert);
    await assert.rejects(alerts.assign(ctx(officer), alert.id, '00000000-0000-4000-8000-000000000000'), code('SECURITY_ALERT_ASSIGNEE_INVALID'));
  });
});
