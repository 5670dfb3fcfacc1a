/** DeviceStore, EnrollmentTokenStore and DeviceCertificateStore over kysely (SQLite and PostgreSQL). */
import { AppError } from '../../kernel/index.js';
import type {
  Device,
  DeviceCertificateStore,
  DeviceStatus,
  DeviceStore,
  EnrollmentToken,
  EnrollmentTokenStore,
} from '../../devices/index.js';
import { sql, type RawBuilder } from 'kysely';
import type { DeviceSortKey } from '../../devices/index.js';
import { afterCursor, containsText, keysetOrder } from '../keyset.js';
import type { Executor } from '../sql-database.js';
import type { DeviceEnrollmentTokensTable, DevicesTable } from '../tables.js';

const LIVE: readonly DeviceStatus[] = ['pending', 'active', 'quarantined'];
const MAX_LIST = 1000;

/** The sort expressions (never NULL: see keyset.ts). */
const SORT_COLUMNS: Readonly<Record<DeviceSortKey, RawBuilder<unknown>>> = {
  serial: sql`serial`,
  model: sql`model`,
  status: sql`status`,
  lastSeenAt: sql`coalesce(last_seen_at, '')`,
  createdAt: sql`created_at`,
  certificateExpiry: sql`coalesce(cert_not_after, '')`,
};

export function deviceStore(db: Executor): DeviceStore {
  return {
    async insert(d) {
      try {
        await db.insertInto('devices').values(toRow(d)).execute();
      } catch (error) {
        // Two enrolments of one unit raced past findLive: the partial unique index decides.
        if (isUniqueViolation(error)) throw new AppError('DEVICE_SERIAL_IN_USE', { cause: error });
        throw error;
      }
    },
    async find(orgId, id) {
      const row = await db.selectFrom('devices').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async list(orgId, options) {
      const limit = Math.min(options?.limit ?? MAX_LIST, MAX_LIST);
      let q = db.selectFrom('devices').selectAll().where('org_id', '=', orgId);
      if (options?.model !== undefined) q = q.where('model', '=', options.model);
      if (options?.site !== undefined) q = q.where('site', '=', options.site);
      const rows = await q.orderBy('created_at').orderBy('id').limit(limit).execute();
      return rows.map(fromRow);
    },
    async page(orgId, filter, page) {
      const columns = { sort: SORT_COLUMNS[page.sort], id: sql`id` };
      let q = db.selectFrom('devices').selectAll().where('org_id', '=', orgId);
      if (filter.q !== undefined && filter.q !== '') {
        const term = filter.q;
        q = q.where((eb) => eb.or([containsText(sql`serial`, term), containsText(sql`id`, term), containsText(sql`model`, term)]));
      }
      if (filter.model !== undefined) q = q.where('model', '=', filter.model);
      if (filter.site !== undefined) q = q.where('site', '=', filter.site);
      if (filter.statuses !== undefined && filter.statuses.length > 0) q = q.where('status', 'in', [...filter.statuses]);
      if (filter.online !== undefined && filter.onlineSince !== undefined) {
        const since = filter.onlineSince;
        q = filter.online
          ? q.where('last_seen_at', '>=', since)
          : q.where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', since)]));
      }
      const after = afterCursor(page, columns);
      if (after !== null) q = q.where(after);
      const rows = await q.orderBy(keysetOrder(page, columns)).limit(page.limit + 1).execute();
      return rows.map(fromRow);
    },
    async findLive(orgId, model, serial) {
      const row = await db
        .selectFrom('devices')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('model', '=', model)
        .where('serial', '=', serial)
        .where('status', 'in', [...LIVE])
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async updateStatus(orgId, id, from, to, at, reason) {
      const result = await db
        .updateTable('devices')
        .set({ status: to, status_reason: reason, status_changed_at: at })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async setGroups(orgId, id, groups) {
      const result = await db.updateTable('devices').set({ groups: JSON.stringify(groups) }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async setSite(orgId, id, site) {
      const result = await db.updateTable('devices').set({ site }).where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async setCertificate(orgId, id, certificate) {
      await db
        .updateTable('devices')
        .set({ cert_serial: certificate.serial, cert_not_after: certificate.notAfter, cert_fingerprint: certificate.fingerprint })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
    },
    async markSeen(entries) {
      for (const e of entries) {
        await db
          .updateTable('devices')
          .set({ last_seen_at: e.at, last_seen_address: e.address })
          .where('id', '=', e.id)
          .where((w) => w.or([w('last_seen_at', 'is', null), w('last_seen_at', '<', e.at)]))
          .execute();
      }
    },
    async statusChangesSince(since, limit) {
      const rows = await db
        .selectFrom('devices')
        .select(['id', 'org_id', 'status', 'status_changed_at'])
        .where('status_changed_at', '>=', since)
        .orderBy('status_changed_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, orgId: r.org_id, status: r.status as DeviceStatus, statusChangedAt: r.status_changed_at }));
    },
  };
}

export function enrollmentTokenStore(db: Executor): EnrollmentTokenStore {
  return {
    async insert(t) {
      await db
        .insertInto('device_enrollment_tokens')
        .values({
          id: t.id,
          org_id: t.orgId,
          model: t.model,
          token_hash: t.tokenHash,
          created_at: t.createdAt,
          created_by: t.createdBy,
          expires_at: t.expiresAt,
          consumed_at: t.consumedAt,
          device_id: t.deviceId,
        })
        .execute();
    },
    async findByHash(tokenHash) {
      const row = await db.selectFrom('device_enrollment_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? tokenFromRow(row) : undefined;
    },
    async consume(id, at, deviceId) {
      const result = await db
        .updateTable('device_enrollment_tokens')
        .set({ consumed_at: at, device_id: deviceId })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function deviceCertificateStore(db: Executor): DeviceCertificateStore {
  return {
    async insert(c) {
      await db
        .insertInto('device_certificates')
        .values({
          serial: c.serial,
          org_id: c.orgId,
          device_id: c.deviceId,
          fingerprint: c.fingerprint,
          not_before: c.notBefore,
          not_after: c.notAfter,
          issued_at: c.issuedAt,
          revoked_at: c.revokedAt,
          revocation_reason: c.revocationReason,
        })
        .execute();
    },
    async revokeAllOf(orgId, deviceId, at, reason) {
      const open = await db
        .selectFrom('device_certificates')
        .select('serial')
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('revoked_at', 'is', null)
        .execute();
      if (open.length === 0) return [];
      const serials = open.map((r) => r.serial);
      await db
        .updateTable('device_certificates')
        .set({ revoked_at: at, revocation_reason: reason })
        .where('org_id', '=', orgId)
        .where('serial', 'in', serials)
        .where('revoked_at', 'is', null)
        .execute();
      return serials;
    },
    async revoke(orgId, serial, at, reason) {
      const result = await db
        .updateTable('device_certificates')
        .set({ revoked_at: at, revocation_reason: reason })
        .where('org_id', '=', orgId)
        .where('serial', '=', serial)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokedUnexpired(now) {
      const rows = await db
        .selectFrom('device_certificates')
        .select(['serial', 'revoked_at', 'revocation_reason'])
        .where('revoked_at', 'is not', null)
        .where('not_after', '>', now)
        .orderBy('revoked_at')
        .execute();
      return rows.map((r) => ({ serial: r.serial, revokedAt: r.revoked_at ?? '', reason: r.revocation_reason ?? 'unspecified' }));
    },
  };
}

/** SQLite SQLITE_CONSTRAINT_UNIQUE / PostgreSQL 23505 unique_violation. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

function toRow(d: Device): DevicesTable {
  return {
    id: d.id,
    org_id: d.orgId,
    model: d.model,
    serial: d.serial,
    udi: d.udi,
    firmware_version: d.firmwareVersion,
    status: d.status,
    status_reason: d.statusReason,
    status_changed_at: d.statusChangedAt,
    groups: JSON.stringify(d.groups),
    created_at: d.createdAt,
    last_seen_at: d.lastSeenAt,
    last_seen_address: d.lastSeenAddress,
    cert_serial: d.certificate?.serial ?? null,
    cert_not_after: d.certificate?.notAfter ?? null,
    cert_fingerprint: d.certificate?.fingerprint ?? null,
    site: d.site ?? null,
  };
}

function fromRow(r: DevicesTable): Device {
  const groups: unknown = JSON.parse(r.groups);
  return {
    id: r.id,
    orgId: r.org_id,
    model: r.model,
    serial: r.serial,
    udi: r.udi,
    firmwareVersion: r.firmware_version,
    status: r.status as DeviceStatus,
    statusReason: r.status_reason,
    statusChangedAt: r.status_changed_at,
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
    site: r.site,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    lastSeenAddress: r.last_seen_address,
    certificate:
      r.cert_serial !== null && r.cert_not_after !== null && r.cert_fingerprint !== null
        ? { serial: r.cert_serial, notAfter: r.cert_not_after, fingerprint: r.cert_fingerprint }
        : null,
  };
}

function tokenFromRow(r: DeviceEnrollmentTokensTable): EnrollmentToken {
  return {
    id: r.id,
    orgId: r.org_id,
    model: r.model,
    tokenHash: r.token_hash,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    consumedAt: r.consumed_at,
    deviceId: r.device_id,
  };
}
