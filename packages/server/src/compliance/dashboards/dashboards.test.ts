import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, type Principal, type RequestContext, type Role } from '../../kernel/index.js';
import { DashboardService } from './dashboard-service.js';
import type { DashboardStore, DeviceStateCounts } from './model.js';

const ORG = '11111111-1111-4111-8111-111111111111';
const DEVICES: DeviceStateCounts = { total: 3, online: 1, offline: 1, quarantined: 1, revoked: 0, decommissioned: 0, certificateExpiring: 1, certificateExpired: 0 };

function ctx(roles: Role[], orgId = ORG): RequestContext {
  const principal: Principal = { kind: 'user', id: 'u1', orgId, username: 'u', roles, sessionId: 's', mfa: true };
  return { principal, requestId: 'r', source: '127.0.0.1' };
}

function fakeStore(seen: string[]): DashboardStore {
  return {
    openSecurityAlertsBySeverity: (orgId) => (seen.push(orgId), Promise.resolve([{ severity: 'high', count: 2 }, { severity: 'bogus', count: 9 }])),
    deviceCounts: (orgId) => (seen.push(orgId), Promise.resolve(DEVICES)),
    breakGlassAwaitingReview: (orgId) => (seen.push(orgId), Promise.resolve(4)),
    failedLoginsPerHour: (orgId, from) => (seen.push(orgId), Promise.resolve(from === '2026-05-31T13:00:00.000Z' ? [{ hour: '2026-06-01T12', count: 3 }] : [])),
    userCounts: (orgId) => (seen.push(orgId), Promise.resolve({ total: 5, withoutMfa: 1, withoutTraining: 2, locked: 0, disabled: 1 })),
    channelHealth: (orgId) =>
      (seen.push(orgId),
      Promise.resolve([
        { id: 'a', name: 'a', kind: 'webhook', enabled: true, pending: 0, deadLetters: 0, lastDeadLetterAt: null },
        { id: 'b', name: 'b', kind: 'email', enabled: true, pending: 2, deadLetters: 0, lastDeadLetterAt: null },
        { id: 'c', name: 'c', kind: 'syslog', enabled: true, pending: 1, deadLetters: 1, lastDeadLetterAt: '2026-06-01T12:00:00.000Z' },
        { id: 'd', name: 'd', kind: 'webhook', enabled: false, pending: 0, deadLetters: 3, lastDeadLetterAt: null },
      ])),
  };
}

const clock = new ManualClock(new Date('2026-06-01T12:30:00.000Z'));

test('ok/security dashboard: severities zero-filled (unknown ones dropped), 24 hourly failed-login buckets ending now, the caller org only', async () => {
  const seen: string[] = [];
  const summary = await new DashboardService({ reader: fakeStore(seen), clock }).security(ctx(['security-officer']));
  assert.deepEqual(summary.openSecurityAlerts, { critical: 0, high: 2, medium: 0, low: 0 });
  assert.equal(summary.breakGlassAwaitingReview, 4);
  assert.equal(summary.failedLogins.length, 24);
  assert.equal(summary.failedLogins[0]?.hour, '2026-05-31T13:00:00.000Z');
  assert.deepEqual(summary.failedLogins.at(-1), { hour: '2026-06-01T12:00:00.000Z', count: 3 });
  assert.equal(summary.failedLogins.reduce((sum, p) => sum + p.count, 0), 3);
  assert.ok(seen.length > 0 && seen.every((orgId) => orgId === ORG));
});

test('ok/admin dashboard: channel health from pending deliveries and dead letters', async () => {
  const summary = await new DashboardService({ reader: fakeStore([]), clock }).admin(ctx(['org-admin']));
  assert.deepEqual(
    summary.channels.map((c) => c.health),
    ['ok', 'retrying', 'failing', 'disabled'],
  );
  assert.equal(summary.users.withoutMfa, 1);
});

test('deny/dashboards: a clinician or technician gets neither; a service token without the scope is refused; no org is refused', async () => {
  const service = new DashboardService({ reader: fakeStore([]), clock });
  await assert.rejects(service.security(ctx(['clinician'])), { code: 'FORBIDDEN' });
  await assert.rejects(service.security(ctx(['technician'])), { code: 'FORBIDDEN' });
  await assert.rejects(service.admin(ctx(['clinician'])), { code: 'FORBIDDEN' });
  await assert.rejects(service.admin(ctx(['technician'])), { code: 'FORBIDDEN' });
  const token: RequestContext = { principal: { kind: 'service', id: 'sa', orgId: ORG, scopes: ['devices:read'], tokenId: 't' }, requestId: 'r', source: 'x' };
  await assert.rejects(service.security(token), { code: 'FORBIDDEN' });
  await assert.rejects(service.security({ principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'r', source: 'x' }), { code: 'UNAUTHENTICATED' });
});
