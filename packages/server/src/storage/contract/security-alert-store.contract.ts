/**
 * Contract of SecurityAlertStore (alerts/security/store.ts): alerts round-trip, the grouping
 * lookup, tenant-filtered lists, the filtered security event query and the silence read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityAlert } from '../../alerts/index.js';
import { newId } from '../../kernel/index.js';
import { securityAlertStore } from '../stores/security-alert-store.js';
import { securityEventStore } from '../stores/security-event-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const ORG = 'org-a';

function alert(overrides: Partial<SecurityAlert> = {}): SecurityAlert {
  return {
    id: newId(),
    orgId: ORG,
    detector: 'brute-force',
    severity: 'high',
    title: 'Brute force on one account',
    summary: '5 failed logins',
    subject: { kind: 'user', id: 'u-1' },
    count: 5,
    firstSeenAt: '2026-11-28T12:00:00.000Z',
    lastSeenAt: '2026-11-28T12:01:00.000Z',
    status: 'open',
    assignee: null,
    suppressedReason: null,
    notes: [{ at: '2026-11-28T12:02:00.000Z', by: 'u-2', text: 'looking' }],
    evidence: { securityEventIds: ['e-1'], auditSeqs: [3] },
    ...overrides,
  };
}

export function securityAlertStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/an alert round-trips; update changes it; findActive finds the newest unresolved one in the window', () =>
    withTestDatabase(open, async (t) => {
      const store = securityAlertStore(t.database.db);
      const a = alert();
      await store.insert(a);
      assert.deepEqual(await store.get(a.id), a);
      await store.update({ ...a, count: 6, status: 'acknowledged' });
      assert.equal((await store.get(a.id))?.count, 6);
      assert.equal((await store.findActive(ORG, 'brute-force', { kind: 'user', id: 'u-1' }, '2026-11-28T12:00:00.000Z'))?.id, a.id);
      assert.equal(await store.findActive(ORG, 'brute-force', { kind: 'user', id: 'u-1' }, '2026-11-28T12:05:00.000Z'), undefined, 'outside the window');
      assert.equal(await store.findActive('org-b', 'brute-force', { kind: 'user', id: 'u-1' }, '2026-11-28T12:00:00.000Z'), undefined, 'another organization');
      await store.update({ ...a, status: 'resolved' });
      assert.equal(await store.findActive(ORG, 'brute-force', { kind: 'user', id: 'u-1' }, '2026-11-28T12:00:00.000Z'), undefined, 'resolved');
    }));

  test('ok/lists filter by organization (null = platform-level), status, severity and detector', () =>
    withTestDatabase(open, async (t) => {
      const store = securityAlertStore(t.database.db);
      await store.insert(alert());
      await store.insert(alert({ orgId: 'org-b' }));
      await store.insert(alert({ orgId: null, detector: 'password-spray', subject: { kind: 'source', id: '203.0.113.9' }, severity: 'critical' }));
      assert.equal((await store.list({ orgIds: [ORG], limit: 10 })).length, 1);
      assert.equal((await store.list({ orgIds: [ORG, null], limit: 10 })).length, 2);
      assert.equal((await store.list({ limit: 10 })).length, 3);
      assert.equal((await store.list({ orgIds: [], limit: 10 })).length, 0);
      assert.equal((await store.list({ severity: 'critical', limit: 10 }))[0]?.detector, 'password-spray');
      assert.equal((await store.list({ status: 'resolved', limit: 10 })).length, 0);
      assert.equal(await store.findActive(null, 'password-spray', { kind: 'source', id: '203.0.113.9' }, '2026-01-01T00:00:00.000Z').then((x) => x?.orgId), null);
    }));

  test('ok/the event query filters by organization, user, device, source, type and time', () =>
    withTestDatabase(open, async (t) => {
      const events = securityEventStore(t.database.db);
      const base = { severity: 'low' as const, reason: 'r' };
      await events.insert({ ...base, id: newId(), time: '2026-11-28T12:00:00.000Z', type: 'identity.login.failed', orgId: ORG, userId: 'u-1', source: '10.0.0.1' });
      await events.insert({ ...base, id: newId(), time: '2026-11-28T12:01:00.000Z', type: 'mqtt.refused', orgId: ORG, deviceId: 'd-1', source: '10.0.0.2' });
      await events.insert({ ...base, id: newId(), time: '2026-11-28T12:02:00.000Z', type: 'mqtt.refused', source: '10.0.0.2' });
      await events.insert({ ...base, id: newId(), time: '2026-11-28T12:03:00.000Z', type: 'identity.login.failed', orgId: 'org-b', userId: 'u-9' });
      const store = securityAlertStore(t.database.db);
      assert.equal((await store.events({ orgId: ORG, limit: 10 })).length, 2);
      assert.equal((await store.events({ limit: 10 })).length, 4);
      assert.equal((await store.events({ orgId: null, limit: 10 })).length, 1);
      assert.equal((await store.events({ orgId: ORG, userId: 'u-1', limit: 10 })).length, 1);
      assert.equal((await store.events({ deviceId: 'd-1', limit: 10 })).length, 1);
      assert.equal((await store.events({ source: '10.0.0.2', limit: 10 })).length, 2);
      assert.equal((await store.events({ type: 'identity.login.failed', from: '2026-11-28T12:00:30.000Z', limit: 10 })).length, 1);
      assert.equal((await store.events({ to: '2026-11-28T12:01:00.000Z', limit: 10 })).length, 1);
    }));
}
