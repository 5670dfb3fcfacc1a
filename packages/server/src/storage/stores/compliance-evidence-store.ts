/**
 * The database half of the compliance evidence: narrow, read-only facts across tenants for the
 * audit checks (no secrets, no PHI: no password hashes, token hashes, TOTP secrets or sealed columns).
 * This is a platform-level read by design: the audit covers every organization; the findings
 * service scopes what each caller then sees.
 */
import type { BreakGlassFacts, CertificateFacts, DeadLetterFacts, DeviceFacts, EnrollmentTokenFacts, ServiceAccountFacts, TrainingFacts, UserFacts } from '../../compliance/index.js';
import { isRole } from '../../kernel/index.js';
import type { Executor } from '../sql-database.js';
import { keysetPages } from './keyset-pages.js';

export interface DatabaseEvidence {
  devices(): Promise<DeviceFacts[]>;
  certificates(): Promise<CertificateFacts[]>;
  openEnrollmentTokens(at: string): Promise<EnrollmentTokenFacts[]>;
  users(): Promise<UserFacts[]>;
  training(): Promise<TrainingFacts[]>;
  breakGlass(): Promise<BreakGlassFacts[]>;
  serviceAccounts(): Promise<ServiceAccountFacts[]>;
  deadLetters(): Promise<DeadLetterFacts[]>;
  /** Device certificates neither revoked nor expired at `at`. */
  activeCertificateCount(at: string): Promise<number>;
}

/** Rows per read of the large tables (devices, certificates). */
const PAGE = 5000;

/** Large tables (devices, certificates) are read in keyset pages that yield to the event loop. */
const pages = <R>(read: (after: string) => Promise<R[]>, key: (row: R) => string) => keysetPages(read, key, PAGE);

export function complianceEvidenceStore(db: Executor): DatabaseEvidence {
  return {
    async devices() {
      const out: DeviceFacts[] = [];
      for await (const rows of pages((after) =>
        db
          .selectFrom('devices')
          .select(['id', 'org_id', 'model', 'status', 'status_changed_at', 'created_at', 'last_seen_at', 'cert_serial', 'cert_fingerprint'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(PAGE)
          .execute(),
        (r) => r.id,
      )) {
        for (const r of rows) {
          out.push({
            id: r.id,
            orgId: r.org_id,
            model: r.model,
            status: r.status,
            statusChangedAt: r.status_changed_at,
            createdAt: r.created_at,
            lastSeenAt: r.last_seen_at,
            certSerial: r.cert_serial,
            certFingerprint: r.cert_fingerprint,
          });
        }
      }
      return out;
    },
    async certificates() {
      const out: CertificateFacts[] = [];
      for await (const rows of pages(
        (after) => db.selectFrom('device_certificates').select(['serial', 'org_id', 'device_id', 'fingerprint', 'not_before', 'not_after', 'revoked_at']).where('serial', '>', after).orderBy('serial').limit(PAGE).execute(),
        (r) => r.serial,
      )) {
        for (const r of rows) out.push({ serial: r.serial, orgId: r.org_id, deviceId: r.device_id, fingerprint: r.fingerprint, notBefore: r.not_before, notAfter: r.not_after, revokedAt: r.revoked_at });
      }
      return out;
    },
    async openEnrollmentTokens(at) {
      const rows = await db
        .selectFrom('device_enrollment_tokens')
        .select(['id', 'org_id', 'created_at', 'expires_at'])
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', at)
        .execute();
      return rows.map((r) => ({ id: r.id, orgId: r.org_id, createdAt: r.created_at, expiresAt: r.expires_at }));
    },
    async users() {
      const rows = await db
        .selectFrom('users')
        .select(['id', 'org_id', 'username', 'roles', 'status', 'totp_confirmed_at', 'last_login_at', 'created_at'])
        .execute();
      const passkeys = new Set((await db.selectFrom('webauthn_credentials').select('user_id').distinct().execute()).map((r) => r.user_id));
      return rows.map((r) => ({
        id: r.id,
        orgId: r.org_id,
        username: r.username,
        roles: parseRoles(r.roles),
        status: r.status,
        mfaEnrolled: r.totp_confirmed_at !== null || passkeys.has(r.id),
        lastLoginAt: r.last_login_at,
        createdAt: r.created_at,
      }));
    },
    async training() {
      const rows = await db.selectFrom('training_records').select(['org_id', 'user_id']).select((eb) => eb.fn.max('expires_at').as('expires_at')).groupBy(['org_id', 'user_id']).execute();
      return rows.map((r) => ({ orgId: r.org_id, userId: r.user_id, expiresAt: String(r.expires_at) }));
    },
    async breakGlass() {
      const rows = await db.selectFrom('break_glass_grants').select(['id', 'org_id', 'user_id', 'granted_at', 'reviewed_at']).where('reviewed_at', 'is', null).execute();
      return rows.map((r) => ({ id: r.id, orgId: r.org_id, userId: r.user_id, grantedAt: r.granted_at, reviewedAt: r.reviewed_at }));
    },
    async serviceAccounts() {
      const rows = await db.selectFrom('service_accounts').select(['id', 'org_id', 'name', 'created_at', 'expires_at', 'revoked_at']).where('revoked_at', 'is', null).execute();
      return rows.map((r) => ({ id: r.id, orgId: r.org_id, name: r.name, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
    },
    async deadLetters() {
      const rows = await db
        .selectFrom('alert_dead_letters')
        .select(['org_id', 'channel_id'])
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'pending')
        .groupBy(['org_id', 'channel_id'])
        .execute();
      return rows.map((r) => ({ orgId: r.org_id, channelId: r.channel_id, open: Number(r.n) }));
    },
    async activeCertificateCount(at) {
      const row = await db
        .selectFrom('device_certificates')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('revoked_at', 'is', null)
        .where('not_after', '>', at)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

function parseRoles(text: string): UserFacts['roles'] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string').filter(isRole) : [];
  } catch {
    return [];
  }
}
