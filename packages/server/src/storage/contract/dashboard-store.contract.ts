/**
 * The DashboardStore contract: each count counts what it says, for one organization only, on both
 * dialects (a row of another organization is seeded beside every counted row).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from '../../kernel/index.js';
import { dashboardStore } from '../stores/dashboard-store.js';
import type { Executor } from '../sql-database.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const NOW = new Date('2026-06-01T12:30:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const MIN = 60_000;
const DAY = 24 * 3_600_000;

async function org(db: Executor): Promise<string> {
  const id = newId();
  await db.insertInto('organizations').values({ id, name: id, name_key: id, created_at: ago(DAY) }).execute();
  return id;
}

async function user(db: Executor, orgId: string, o: { status?: string; totp?: boolean; key?: boolean; trainedUntil?: string; course?: string; lockedUntil?: string } = {}): Promise<string> {
  const id = newId();
  await db
    .insertInto('users')
    .values({
      id,
      org_id: orgId,
      username: id,
      username_key: id,
      display_name: 'U',
      roles: '["clinician"]',
      status: o.status ?? 'active',
      password_hash: 'x',
      password_changed_at: ago(DAY),
      must_change_password: 0,
      failed_count: 0,
      lock_level: 0,
      locked_until: o.lockedUntil ?? null,
      last_login_at: null,
      created_at: ago(DAY),
      totp_secret_sealed: null,
      totp_confirmed_at: o.totp === true ? ago(DAY) : null,
      totp_last_step: null,
    })
    .execute();
  if (o.key === true) {
    await db.insertInto('webauthn_credentials').values({ id: newId(), org_id: orgId, user_id: id, credential_id: newId(), public_key: 'k', counter: 0, transports: '[]', created_at: ago(DAY) }).execute();
  }
  if (o.trainedUntil !== undefined) {
    await db
      .insertInto('training_records')
      .values({ id: newId(), org_id: orgId, user_id: id, course: o.course ?? 'hipaa-privacy-security', completed_at: ago(DAY), expires_at: o.trainedUntil, recorded_at: ago(DAY), recorded_by: id })
      .execute();
  }
  return id;
}

async function device(db: Executor, orgId: string, status: string, lastSeenAt: string | null, certNotAfter: string | null) {
  const id = newId();
  await db
    .insertInto('devices')
    .values({
      id,
      org_id: orgId,
      model: 'm',
      serial: id,
      udi: null,
      firmware_version: null,
      status,
      status_reason: null,
      status_changed_at: ago(DAY),
      groups: '[]',
      created_at: ago(DAY),
      last_seen_at: lastSeenAt,
      last_seen_address: null,
      cert_serial: null,
      cert_not_after: certNotAfter,
      cert_fingerprint: null,
    })
    .execute();
}

async function securityAlert(db: Executor, orgId: string | null, severity: string, status: string) {
  await db
    .insertInto('security_alerts')
    .values({ id: newId(), org_id: orgId, detector: 'd', severity, title: 't', summary: 's', subject_kind: 'user', subject_id: newId(), count: 1, first_seen_at: ago(MIN), last_seen_at: ago(MIN), status, assignee: null, suppressed_reason: null, notes: '[]', evidence: '{}' })
    .execute();
}

async function grant(db: Executor, orgId: string, userId: string, reviewed: boolean) {
  const patientId = newId();
  await db
    .insertInto('patients')
    .values({ id: patientId, org_id: orgId, mrn_index: patientId, mrn_sealed: 's', given_name_sealed: 's', family_name_sealed: 's', birth_date_sealed: 's', sex_sealed: 's', created_at: ago(DAY), created_by: userId, updated_at: ago(DAY) })
    .execute();
  await db
    .insertInto('break_glass_grants')
    .values({
      id: newId(),
      org_id: orgId,
      patient_id: patientId,
      user_id: userId,
      reason_sealed: 's',
      reason_hash: 'h',
      granted_at: ago(MIN),
      expires_at: ahead(MIN),
      review_outcome: reviewed ? 'justified' : null,
      review_note_sealed: null,
      reviewed_by: reviewed ? userId : null,
      reviewed_at: reviewed ? ago(1) : null,
    })
    .execute();
}

let seq = 0;
async function login(db: Executor, orgId: string, time: string, outcome: string) {
  seq += 1;
  await db
    .insertInto('audit_events')
    .values({
      seq,
      event_id: newId(),
      time,
      actor_kind: 'anonymous',
      actor_id: 'anonymous',
      org_id: orgId,
      action: 'identity.login.attempt',
      target_type: 'user',
      target_id: newId(),
      outcome,
      reason: null,
      request_id: 'r',
      source: '127.0.0.1',
      details: '{}',
      prev_hash: '0'.repeat(64),
      hash: '0'.repeat(64),
    })
    .execute();
}

export function dashboardStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/dashboard devices by state and certificate window, one organization only', () =>
    withTestDatabase(open, async ({ database }) => {
      const db = database.db;
      const [mine, other] = [await org(db), await org(db)];
      await device(db, mine, 'active', ago(MIN), ahead(90 * DAY)); // online
      await device(db, mine, 'active', ago(10 * MIN), ahead(10 * DAY)); // offline, expiring
      await device(db, mine, 'active', null, ago(DAY)); // offline (never seen), expired
      await device(db, mine, 'quarantined', ago(MIN), ahead(90 * DAY));
      await device(db, mine, 'revoked', null, ago(DAY)); // revoked: its certificate is not counted
      await device(db, mine, 'decommissioned', null, ahead(DAY));
      await device(db, mine, 'pending', null, null);
      await device(db, other, 'active', ago(MIN), ahead(DAY));
      const counts = await dashboardStore(db).deviceCounts(mine, NOW);
      assert.deepEqual(counts, { total: 7, online: 1, offline: 2, quarantined: 1, revoked: 1, decommissioned: 1, certificateExpiring: 1, certificateExpired: 1 });
    }));

  test('ok/dashboard open security alerts by severity, break-glass awaiting review, failed logins by hour', () =>
    withTestDatabase(open, async ({ database }) => {
      const db = database.db;
      const [mine, other] = [await org(db), await org(db)];
      await securityAlert(db, mine, 'high', 'open');
      await securityAlert(db, mine, 'high', 'acknowledged');
      await securityAlert(db, mine, 'critical', 'resolved');
      await securityAlert(db, mine, 'low', 'suppressed');
      await securityAlert(db, other, 'critical', 'open');
      await securityAlert(db, null, 'critical', 'open');
      const store = dashboardStore(db);
      assert.deepEqual([...(await store.openSecurityAlertsBySeverity(mine))], [{ severity: 'high', count: 2 }]);

      const officer = await user(db, mine);
      const stranger = await user(db, other);
      await grant(db, mine, officer, false);
      await grant(db, mine, officer, true);
      await grant(db, other, stranger, false);
      assert.equal(await store.breakGlassAwaitingReview(mine), 1);

      await login(db, mine, '2026-06-01T11:05:00.000Z', 'failure');
      await login(db, mine, '2026-06-01T11:59:00.000Z', 'failure');
      await login(db, mine, '2026-06-01T12:01:00.000Z', 'failure');
      await login(db, mine, '2026-06-01T12:02:00.000Z', 'success');
      await login(db, mine, '2026-05-30T12:00:00.000Z', 'failure'); // before the window
      await login(db, other, '2026-06-01T12:03:00.000Z', 'failure');
      const hours = [...(await store.failedLoginsPerHour(mine, '2026-05-31T13:00:00.000Z'))].sort((a, b) => a.hour.localeCompare(b.hour));
      assert.deepEqual(hours, [
        { hour: '2026-06-01T11', count: 2 },
        { hour: '2026-06-01T12', count: 1 },
      ]);
    }));

  test('ok/dashboard users without MFA or current HIPAA training, locked and disabled', () =>
    withTestDatabase(open, async ({ database }) => {
      const db = database.db;
      const [mine, other] = [await org(db), await org(db)];
      await user(db, mine, { totp: true, trainedUntil: ahead(DAY) }); // complete
      await user(db, mine, { key: true, trainedUntil: ago(MIN) }); // security key; training expired
      await user(db, mine, { trainedUntil: ahead(DAY), course: 'other-course' as string }); // no MFA; not HIPAA
      await user(db, mine, { totp: true, trainedUntil: ahead(DAY), lockedUntil: ahead(MIN) }); // locked
      await user(db, mine, { status: 'disabled' }); // disabled: not counted as missing anything
      await user(db, other, {});
      const counts = await dashboardStore(db).userCounts(mine, NOW);
      assert.deepEqual(counts, { total: 5, withoutMfa: 1, withoutTraining: 2, locked: 1, disabled: 1 });
    }));

  test('ok/dashboard delivery channel health: pending deliveries and unresolved dead letters per channel', () =>
    withTestDatabase(open, async ({ database }) => {
      const db = database.db;
      const [mine, other] = [await org(db), await org(db)];
      const channel = async (orgId: string, name: string, enabled: boolean) => {
        const id = newId();
        await db.insertInto('alert_channels').values({ id, org_id: orgId, kind: 'webhook', name, enabled: enabled ? 1 : 0, min_severity: 'high', target: 't', config: '{}', sealed_secrets: null, created_at: ago(DAY), created_by: newId() }).execute();
        return id;
      };
      const a = await channel(mine, 'a-soc', true);
      const b = await channel(mine, 'b-mail', true);
      await channel(mine, 'c-off', false);
      const theirs = await channel(other, 'theirs', true);
      const outbox = (orgId: string, channelId: string) =>
        db.insertInto('alert_outbox').values({ id: newId(), org_id: orgId, channel_id: channelId, alert_id: newId(), payload: '{}', attempts: 1, next_attempt_at: ahead(MIN), lease_until: null, dead_letter_id: null, created_at: ago(MIN) }).execute();
      const dead = (orgId: string, channelId: string, createdAt: string, resolved: boolean) =>
        db
          .insertInto('alert_dead_letters')
          .values({ id: newId(), org_id: orgId, channel_id: channelId, alert_id: newId(), payload: '{}', attempts: 5, last_error: 'e', created_at: createdAt, status: resolved ? 'delivered' : 'pending', resolved_at: resolved ? ago(1) : null })
          .execute();
      await outbox(mine, a);
      await dead(mine, b, ago(10 * MIN), false);
      await dead(mine, b, ago(5 * MIN), false);
      await dead(mine, a, ago(MIN), true);
      await outbox(other, theirs);
      const channels = await dashboardStore(db).channelHealth(mine);
      assert.deepEqual(
        channels.map((c) => [c.name, c.enabled, c.pending, c.deadLetters, c.lastDeadLetterAt]),
        [
          ['a-soc', true, 1, 0, null],
          ['b-mail', true, 0, 2, ago(5 * MIN)],
          ['c-off', false, 0, 0, null],
        ],
      );
    }));
}
