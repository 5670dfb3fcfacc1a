/** The DeliveryStore and UsageStore contract: tenancy, upserts, report queries on both dialects. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelRow, DeadLetterRow, OutboxRow } from '../../alerts/index.js';
import { newId } from '../../kernel/index.js';
import { deliveryStore } from '../stores/delivery-store.js';
import { usageStore } from '../stores/usage-store.js';
import type { Executor } from '../sql-database.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const ORG = newId();
const OTHER = newId();

function channel(orgId: string, createdAt: string): ChannelRow {
  return {
    id: newId(),
    orgId,
    kind: 'webhook',
    name: 'soc',
    enabled: true,
    minSeverity: 'high',
    target: 'https://soc.example.org/h',
    config: '{"url":"https://soc.example.org/h"}',
    sealedSecrets: 'v1.sealed',
    createdAt,
    createdBy: newId(),
  };
}

function letter(orgId: string, channelId: string): DeadLetterRow {
  return { id: newId(), orgId, channelId, alertId: newId(), payload: '{}', attempts: 5, lastError: 'receiver answered 503', createdAt: '2026-01-01T00:00:00.000Z', status: 'pending', resolvedAt: null };
}

function outbox(orgId: string, channelId: string, leaseUntil: string | null): OutboxRow {
  return {
    id: newId(),
    orgId,
    channelId,
    alertId: newId(),
    payload: '{}',
    attempts: 1,
    nextAttemptAt: '2026-01-01T10:30:00.000Z',
    leaseUntil,
    deadLetterId: null,
    createdAt: '2026-01-01T10:00:00.000Z',
  };
}

let seq = 0;
async function audit(db: Executor, e: { time: string; orgId: string; actorId: string; action: string; targetType: string; targetId: string; outcome: string; reason?: string; details?: string }) {
  seq += 1;
  await db
    .insertInto('audit_events')
    .values({
      seq,
      event_id: newId(),
      time: e.time,
      actor_kind: 'user',
      actor_id: e.actorId,
      org_id: e.orgId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      outcome: e.outcome,
      reason: e.reason ?? null,
      request_id: 'r',
      source: '127.0.0.1',
      details: e.details ?? '{}',
      prev_hash: '0'.repeat(64),
      hash: '0'.repeat(64),
    })
    .execute();
}

async function user(db: Executor, orgId: string, username: string): Promise<string> {
  const id = newId();
  await db
    .insertInto('users')
    .values({
      id,
      org_id: orgId,
      username,
      username_key: username,
      display_name: username,
      roles: '[]',
      status: 'active',
      password_hash: 'x',
      password_changed_at: '2026-01-01T00:00:00.000Z',
      must_change_password: 0,
      failed_count: 0,
      lock_level: 0,
      locked_until: null,
      last_login_at: null,
      created_at: '2026-01-01T00:00:00.000Z',
      totp_secret_sealed: null,
      totp_confirmed_at: null,
      totp_last_step: null,
    })
    .execute();
  return id;
}

export function deliveryUsageStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/channels and dead letters are per organization; updates stay in the tenant', () =>
    withTestDatabase(open, async (t) => {
      const store = deliveryStore(t.database.db);
      const a = channel(ORG, '2026-01-01T00:00:00.000Z');
      const b = channel(ORG, '2026-01-02T00:00:00.000Z');
      await store.insertChannel(a);
      await store.insertChannel(b);
      await store.insertChannel(channel(OTHER, '2026-01-03T00:00:00.000Z'));
      assert.deepEqual((await store.listChannels(ORG)).map((c) => c.id), [b.id, a.id]);
      assert.deepEqual(await store.findChannel(ORG, a.id), a);
      assert.equal(await store.findChannel(OTHER, a.id), undefined);
      const d = letter(ORG, a.id);
      await store.insertDeadLetter(d);
      assert.deepEqual(await store.listDeadLetters(ORG, 'pending', 10), [d]);
      assert.deepEqual(await store.listDeadLetters(OTHER, 'pending', 10), []);
      await store.updateDeadLetter(OTHER, d.id, { attempts: 9, lastError: 'x', status: 'delivered', resolvedAt: 'x' });
      assert.equal((await store.findDeadLetter(ORG, d.id))?.attempts, 5, 'another tenant cannot update');
      await store.updateDeadLetter(ORG, d.id, { attempts: 6, lastError: d.lastError, status: 'delivered', resolvedAt: '2026-01-02T00:00:00.000Z' });
      assert.deepEqual(await store.listDeadLetters(ORG, 'pending', 10), []);
      assert.equal((await store.findDeadLetter(ORG, d.id))?.status, 'delivered');
    }));

  test('ok/channels edit and delete in their tenant only; delete takes the outbox rows along', () =>
    withTestDatabase(open, async (t) => {
      const store = deliveryStore(t.database.db);
      const a = channel(ORG, '2026-01-01T00:00:00.000Z');
      await store.insertChannel(a);
      const change = { name: 'renamed', enabled: false, minSeverity: 'low' as const, target: 'https://x.example.org/h', config: '{}', sealedSecrets: null };
      await store.updateChannel(OTHER, a.id, change);
      assert.equal((await store.findChannel(ORG, a.id))?.name, 'soc', 'another tenant cannot edit');
      await store.updateChannel(ORG, a.id, change);
      assert.deepEqual(await store.findChannel(ORG, a.id), { ...a, ...change });
      await store.insertOutbox(outbox(ORG, a.id, null));
      await store.deleteChannel(OTHER, a.id);
      assert.ok(await store.findChannel(ORG, a.id), 'another tenant cannot delete');
      await store.deleteChannel(ORG, a.id);
      assert.equal(await store.findChannel(ORG, a.id), undefined);
      assert.deepEqual(await store.listOutboxResumable('2100-01-01T00:00:00.000Z', 10), []);
    }));

  test('ok/outbox: resumable rows are unleased or expired; a claim is taken once', () =>
    withTestDatabase(open, async (t) => {
      const store = deliveryStore(t.database.db);
      const free = outbox(ORG, newId(), null);
      const expired = outbox(OTHER, newId(), '2026-01-01T10:00:00.000Z');
      const held = outbox(ORG, newId(), '2026-01-01T12:00:00.000Z');
      for (const row of [free, expired, held]) await store.insertOutbox(row);
      const now = '2026-01-01T11:00:00.000Z';
      assert.deepEqual((await store.listOutboxResumable(now, 10)).map((r) => r.id).sort(), [free.id, expired.id].sort());
      assert.equal(await store.claimOutbox(OTHER, free.id, now, '2026-01-01T11:05:00.000Z'), false, 'claims are per tenant');
      assert.equal(await store.claimOutbox(ORG, free.id, now, '2026-01-01T11:05:00.000Z'), true);
      assert.equal(await store.claimOutbox(ORG, free.id, now, '2026-01-01T11:05:00.000Z'), false, 'taken once');
      assert.equal(await store.claimOutbox(ORG, held.id, now, '2026-01-01T11:05:00.000Z'), false);
      await store.updateOutbox(OTHER, expired.id, { attempts: 3, nextAttemptAt: now, leaseUntil: null });
      const [row] = await store.listOutboxResumable(now, 10);
      assert.deepEqual(row, { ...expired, attempts: 3, nextAttemptAt: now, leaseUntil: null });
      await store.deleteOutbox(ORG, expired.id);
      assert.equal((await store.listOutboxResumable(now, 10)).length, 1, 'another tenant cannot delete');
      await store.deleteOutbox(OTHER, expired.id);
      assert.equal((await store.listOutboxResumable(now, 10)).length, 0);
    }));

  test('ok/request counts add up per bucket; reports by bucket and route', () =>
    withTestDatabase(open, async (t) => {
      const store = usageStore(t.database.db);
      const base = { orgId: ORG, userId: 'u1', method: 'GET', route: '/api/v1/patients/:id', statusClass: '2xx' };
      await store.addRequestCounts([{ ...base, hour: '2026-01-01T10:00:00.000Z', count: 2 }]);
      await store.addRequestCounts([{ ...base, hour: '2026-01-01T10:00:00.000Z', count: 3 }, { ...base, hour: '2026-01-01T11:00:00.000Z', count: 1 }]);
      await store.addRequestCounts([{ ...base, orgId: OTHER, hour: '2026-01-01T10:00:00.000Z', count: 100 }]);
      const range = { from: '2026-01-01T10:30:00.000Z', to: '2026-01-01T23:00:00.000Z' };
      assert.deepEqual(await store.apiCallsPerBucket(ORG, range, 'hour'), [
        { bucket: '2026-01-01T10', value: 5 },
        { bucket: '2026-01-01T11', value: 1 },
      ]);
      assert.deepEqual(await store.apiCallsPerBucket(ORG, range, 'day'), [{ bucket: '2026-01-01', value: 6 }]);
      assert.deepEqual(await store.apiCallsPerRoute(ORG, range, 10), [{ route: 'GET /api/v1/patients/:id', count: 6 }]);
    }));

  test('ok/user activity and disclosures come from the audit log, per tenant', () =>
    withTestDatabase(open, async (t) => {
      const db = t.database.db;
      for (const id of [ORG, OTHER]) await db.insertInto('organizations').values({ id, name: id, name_key: id, created_at: '2026-01-01T00:00:00.000Z' }).execute();
      const doc = await user(db, ORG, 'doc');
      const patient = newId();
      await db
        .insertInto('patients')
        .values({ id: patient, org_id: ORG, mrn_index: 'i', mrn_sealed: 's', given_name_sealed: 's', family_name_sealed: 's', birth_date_sealed: 's', sex_sealed: 's', created_at: 'x', created_by: 'x', updated_at: 'x' })
        .execute();
      const at = (m: number) => `2026-01-01T10:${String(m).padStart(2, '0')}:00.000Z`;
      await audit(db, { time: at(1), orgId: ORG, actorId: doc, action: 'identity.login.attempt', targetType: 'user', targetId: doc, outcome: 'failure', reason: 'wrong-password' });
      await audit(db, { time: at(2), orgId: ORG, actorId: doc, action: 'identity.login.attempt', targetType: 'user', targetId: doc, outcome: 'success' });
      await audit(db, { time: at(3), orgId: ORG, actorId: doc, action: 'patients.record.create', targetType: 'patient', targetId: patient, outcome: 'success' });
      await audit(db, { time: at(4), orgId: ORG, actorId: doc, action: 'patients.record.read', targetType: 'patient', targetId: patient, outcome: 'success', reason: 'care-team', details: '{"basis":"care-team","fields":"mrn","grantId":null}' });
      await audit(db, { time: at(5), orgId: ORG, actorId: doc, action: 'patients.record.read', targetType: 'patient', targetId: patient, outcome: 'denied', reason: 'no-relationship' });
      await audit(db, { time: at(6), orgId: OTHER, actorId: doc, action: 'patients.record.read', targetType: 'patient', targetId: patient, outcome: 'success' });
      const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' };
      const store = usageStore(db);
      assert.deepEqual(await store.userActivity(ORG, range), [
        { userId: doc, username: 'doc', logins: 1, failedLogins: 1, apiCalls: 0, phiReads: 1, lastActiveAt: at(5) },
      ]);
      assert.deepEqual(await store.loginsPerBucket(ORG, range, 'hour'), [{ bucket: '2026-01-01T10', value: 1 }]);
      const disclosures = await store.disclosures(ORG, patient, range, 100);
      assert.deepEqual(disclosures.map((d) => [d.action, d.username, d.reason]), [['patients.record.read', 'doc', 'care-team']]);
      assert.equal(await store.patientExists(ORG, patient), true);
      assert.equal(await store.patientExists(OTHER, patient), false);
      assert.deepEqual(await store.disclosures(OTHER, patient, range, 100).then((r) => r.length), 1, 'the other tenant sees only its own event');
    }));
}
