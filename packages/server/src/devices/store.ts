/**
 * Ports of the devices module, implemented in storage/stores/device-store.ts over kysely.
 *
 * MUST: every query of tenant data takes the organization id and filters by it; the only
 *       exceptions are named as host-level (the CA's revocation list, the status-change feed for
 *       the server's own caches, and last-seen updates keyed by the globally unique device id).
 * MUST: `consume` is one conditional UPDATE, so a token is consumed at most once even when two
 *       enrolments race (the second sees consumed_at set and updates nothing).
 */
import type { ListPage } from '../kernel/index.js';
import type { DeviceListFilter, DeviceSortKey } from './device-list.js';
import type { Device, DeviceCertificateRef, DeviceStatus, EnrollmentToken } from './model.js';

export interface DeviceStore {
  /** DEVICE_SERIAL_IN_USE when a live device of the same organization, model and serial exists. */
  insert(device: Device): Promise<void>;
  find(orgId: string, id: string): Promise<Device | undefined>;
  /** The organization's devices, oldest first; `model` and `site` narrow it (the rollout targets' query). */
  list(orgId: string, options?: { readonly limit?: number; readonly model?: string | undefined; readonly site?: string | undefined }): Promise<Device[]>;
  /** One page of the organization's devices in (sort, id) order after the cursor: up to `page.limit + 1` rows. */
  page(orgId: string, filter: DeviceListFilter, page: ListPage<DeviceSortKey>): Promise<Device[]>;
  /** A device of this model and serial in the organization whose status is pending, active or quarantined. */
  findLive(orgId: string, model: string, serial: string): Promise<Device | undefined>;
  /** Moves the status if it is one of `from`; false (nothing written) otherwise. */
  updateStatus(orgId: string, id: string, from: readonly DeviceStatus[], to: DeviceStatus, at: string, reason: string): Promise<boolean>;
  setCertificate(orgId: string, id: string, certificate: DeviceCertificateRef, at: string): Promise<void>;
  /** Replaces the device's groups; false when there is no such device in the organization. */
  setGroups(orgId: string, id: string, groups: readonly string[]): Promise<boolean>;
  /** Sets (null: clears) the device's site; false when there is no such device in the organization. */
  setSite(orgId: string, id: string, site: string | null): Promise<boolean>;
  /** Host-level: advances last_seen_at (never moves it back). */
  markSeen(entries: readonly { readonly id: string; readonly at: string; readonly address: string }[]): Promise<void>;
  /** Host-level: devices whose status changed at or after `since`, oldest first (for the server's caches). */
  statusChangesSince(since: string, limit: number): Promise<{ id: string; orgId: string; status: DeviceStatus; statusChangedAt: string }[]>;
}

export interface EnrollmentTokenStore {
  insert(token: EnrollmentToken): Promise<void>;
  findByHash(tokenHash: string): Promise<EnrollmentToken | undefined>;
  /** Consumes the token if unconsumed and unexpired at `at`; true for exactly one caller. */
  consume(id: string, at: string, deviceId: string): Promise<boolean>;
}

export interface DeviceCertificateRow {
  readonly serial: string;
  readonly orgId: string;
  readonly deviceId: string;
  readonly fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}

export interface RevokedCertificate {
  readonly serial: string;
  readonly revokedAt: string;
  readonly reason: string;
}

export interface DeviceCertificateStore {
  insert(row: DeviceCertificateRow): Promise<void>;
  /** Revokes every unrevoked certificate of the device; returns their serials. */
  revokeAllOf(orgId: string, deviceId: string, at: string, reason: string): Promise<string[]>;
  revoke(orgId: string, serial: string, at: string, reason: string): Promise<boolean>;
  /** Host-level: revoked certificates not yet expired at `now` (the CRL's entries). */
  revokedUnexpired(now: string): Promise<RevokedCertificate[]>;
}
