/** The IncidentStore, TimelineSource and NotificationStore contract: tenancy, JSON round trips, timeline reads on both dialects. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Incident } from '../../incidents/index.js';
import { newId } from '../../kernel/index.js';
import { incidentStore, incidentTimelineSource } from '../stores/incident-store.js';
import { notificationStore } from '../stores/notification-store.js';
import type { Executor } from '../sql-database.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const ORG = newId();
const OTHER = newId();

function incident(orgId: string, openedAt: string, origin: Incident['origin'] = 'manual'): Incident {
  return {
    id: newId(),
    orgId,
    title: 't',
    type: 'phi-breach',
    severity: 'high',
    status: 'triage',
    origin,
    commanderId: null,
    responderIds: ['u1'],
    alertIds: [],
    seeds: { deviceIds: ['d1'], userIds: ['u1'], sources: ['203.0.113.9'] },
    discoveredAt: openedAt,
    openedAt,
    updatedAt: openedAt,
    closedAt: null,
    playbook: { id: 'phi-breach', version: 1 },
    checklist: [{ id: 'a', title: 'A', ownerRole: 'org-admin', dueAt: openedAt, actions: ['notify'], doneAt: null, doneBy: null }],
    notesSealed: null,
  };
}

let seq = 1_000_000;
async function audit(db: Executor, orgId: string, actorId: string, action: string, targetType: string, targetId: string, source: string, time: string) {
  seq += 1;
  await db
    .insertInto('audit_events')
    .values({ seq, event_id: newId(), time, actor_kind: 'user', actor_id: actorId, org_id: orgId, action, target_type: targetType, target_id: targetId, outcome: 'success', reason: null, request_id: 'r', source, details: '{"k":1}', prev_hash: '0'.repeat(64), hash: '0'.repeat(64) })
    .execute();
}

export function incidentStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/incidents: round trip, scoped by organization, newest automatic open incident', () =>
    withTestDatabase(open, async (t) => {
      const store = incidentStore(t.database.db);
      const a = incident(ORG, '2026-01-01T00:00:00.000Z', 'auto');
      const b = incident(ORG, '2026-01-02T00:00:00.000Z');
      await store.insert(a);
      await store.insert(b);
      assert.deepEqual(await store.get(ORG, a.id), a);
      assert.equal(await store.get(OTHER, a.id), undefined, 'another organization sees nothing');
      assert.deepEqual((await store.list(ORG, { limit: 10 })).map((i) => i.id), [b.id, a.id]);
      assert.equal((await store.newestOpenSince(ORG, '2025-12-31T00:00:00.000Z', 'auto'))?.id, a.id);
      await store.update({ ...a, status: 'closed', closedAt: '2026-01-03T00:00:00.000Z' });
      assert.equal(await store.newestOpenSince(ORG, '2025-12-31T00:00:00.000Z', 'auto'), undefined);
      await store.update({ ...b, orgId: OTHER, title: 'hijack' });
      assert.equal((await store.get(ORG, b.id))?.title, 't', 'an update names its organization');
      await store.putSettings(ORG, { autoOpenDetectors: ['device-firmware'], autoOpenMinSeverity: 'high', joinWindowHours: 12 });
      await store.putSettings(ORG, { autoOpenDetectors: ['bulk-phi'], autoOpenMinSeverity: 'critical', joinWindowHours: 6 });
      assert.deepEqual((await store.settings(ORG)).autoOpenDetectors, ['bulk-phi']);
      assert.deepEqual((await store.settings(OTHER)).autoOpenDetectors, []);
      await store.insertBlock({ id: newId(), orgId: ORG, incidentId: a.id, cidr: '203.0.113.0/24', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', createdBy: 'u' });
      assert.equal((await store.activeBlocks('2026-01-01T12:00:00.000Z')).length, 1);
      assert.equal((await store.activeBlocks('2026-01-02T00:00:00.000Z')).length, 0);
    }));

  test('ok/timeline source: by actor, target and source, in the window, never another organization', () =>
    withTestDatabase(open, async (t) => {
      const db = t.database.db;
      await audit(db, ORG, 'u1', 'patients.record.read', 'patient', 'p1', '10.0.0.1', '2026-01-05T00:00:00.000Z');
      await audit(db, ORG, 'admin', 'identity.user.grant', 'user', 'u1', '10.0.0.2', '2026-01-05T00:01:00.000Z');
      await audit(db, ORG, 'u9', 'patients.record.read', 'patient', 'p2', '203.0.113.9', '2026-01-05T00:02:00.000Z');
      await audit(db, ORG, 'u1', 'patients.record.read', 'patient', 'p3', '10.0.0.1', '2025-11-01T00:00:00.000Z');
      await audit(db, OTHER, 'u1', 'patients.record.read', 'patient', 'p4', '203.0.113.9', '2026-01-05T00:03:00.000Z');
      await db.insertInto('security_events').values({ id: newId(), time: '2026-01-05T00:04:00.000Z', type: 'mqtt.connected', severity: 'info', reason: 'connect', org_id: ORG, user_id: null, device_id: 'd1', patient_id: null, source: '10.9.9.9', request_id: null, details: '{}' }).execute();
      await db.insertInto('security_events').values({ id: newId(), time: '2026-01-05T00:04:00.000Z', type: 'mqtt.connected', severity: 'info', reason: 'connect', org_id: OTHER, user_id: null, device_id: 'd1', patient_id: null, source: '10.9.9.9', request_id: null, details: '{}' }).execute();
      const source = incidentTimelineSource(db);
      const q = { orgId: ORG, from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', userIds: ['u1'], deviceIds: ['d1'], sources: ['203.0.113.9'], limit: 100 };
      const rows = await source.auditEvents(q);
      assert.deepEqual(rows.map((r) => r.targetId).sort(), ['p1', 'p2', 'u1']);
      assert.deepEqual(rows[0]?.details, { k: 1 });
      const events = await source.securityEvents(q);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.deviceId, 'd1');
    }));

  test('ok/timeline source over the limit: exactly the oldest rows of all the seeds together, per column, as one IN query would answer', () =>
    withTestDatabase(open, async (t) => {
      const db = t.database.db;
      // Three users' reads interleaved in time (u1 every 3 minutes from :00, u2 from :01, u3 from :02), another organization's, one outside the window.
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 5) + minute * 60_000).toISOString();
      const expected: string[] = [];
      for (let m = 0; m < 30; m += 1) {
        const user = `u${(m % 3) + 1}`;
        await audit(db, ORG, user, 'patients.record.read', 'patient', `p-${m}`, '10.0.0.1', at(m));
        if (user !== 'u3') expected.push(`p-${m}`);
      }
      await audit(db, OTHER, 'u1', 'patients.record.read', 'patient', 'p-other', '10.0.0.1', at(-1));
      await audit(db, ORG, 'u1', 'patients.record.read', 'patient', 'p-before', '10.0.0.1', '2025-12-01T00:00:00.000Z');
      for (let m = 0; m < 12; m += 1) {
        await db.insertInto('security_events').values({ id: newId(), time: at(m), type: 'mqtt.connected', severity: 'info', reason: 'connect', org_id: ORG, user_id: null, device_id: `d${(m % 2) + 1}`, patient_id: null, source: `10.9.9.${m}`, request_id: null, details: '{}' }).execute();
      }
      const source = incidentTimelineSource(db);
      const q = { orgId: ORG, from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', userIds: ['u1', 'u2', 'u2'], deviceIds: ['d1', 'd2', 'd9'], sources: [], limit: 7 };
      const rows = await source.auditEvents(q);
      assert.deepEqual(rows.map((r) => r.targetId), expected.slice(0, 7), 'the 7 oldest of u1 and u2, in order');
      const events = await source.securityEvents(q);
      assert.deepEqual(events.map((e) => e.source), [0, 1, 2, 3, 4, 5, 6].map((m) => `10.9.9.${m}`));
      // Under the limit: everything in the window, still in time order.
      const all = await source.auditEvents({ ...q, limit: 100 });
      assert.deepEqual(all.map((r) => r.targetId), expected);
    }));

  test('ok/notifications: contacts and obligations scoped by organization; pending ones replaced', () =>
    withTestDatabase(open, async (t) => {
      const store = notificationStore(t.database.db);
      const c = { id: newId(), orgId: ORG, name: 'ED', kind: 'hospital' as const, email: null };
      await store.insertContact(c);
      assert.equal(await store.contact(OTHER, c.id), undefined);
      const incidentId = newId();
      const o = (id: string, status: 'pending' | 'sent') => ({ id: newId(), orgId: ORG, incidentId, obligationId: id, rule: 'r', recipient: 'x', dueAt: '2026-03-01T00:00:00.000Z', status, reason: null, openedAt: '2026-01-01T00:00:00.000Z', remindersSent: [0.5], overdueAlertedAt: null });
      await store.replacePending(ORG, incidentId, [o('a', 'pending'), o('b', 'sent')]);
      await store.replacePending(ORG, incidentId, [o('c', 'pending')]);
      assert.deepEqual((await store.obligations(ORG, incidentId)).map((x) => x.obligationId).sort(), ['b', 'c']);
      assert.deepEqual((await store.obligations(ORG, incidentId)).find((x) => x.obligationId === 'c')?.remindersSent, [0.5]);
      assert.deepEqual(await store.obligations(OTHER, incidentId), []);
      assert.deepEqual((await store.pendingDue(10)).map((x) => x.obligationId), ['c']);
    }));
}
