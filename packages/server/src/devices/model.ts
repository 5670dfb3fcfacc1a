/**
 * The device registry's model: a device, its lifecycle, enrolment tokens, and the coded reasons a
 * device certificate is refused. Pure: no I/O.
 *
 * MUST: a status changes only along LIFECYCLE (e.g. a revoked device never becomes active again;
 *       decommissioned is final), checked by `canTransition` before any store write.
 * MUST: a device's identity (id, organization, model) is set by Vigil at enrolment and never
 *       taken from what the device sends (FDA premarket guidance, Appendix 1 A: authentication).
 */

export const DEVICE_STATUSES = ['pending', 'active', 'quarantined', 'revoked', 'decommissioned'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/**
 * Allowed transitions. pending: registered, no certificate yet. active: may connect and publish.
 * quarantined: may not connect (containment), can be released. revoked: certificates revoked,
 * final except decommissioning. decommissioned: retired for good.
 */
export const LIFECYCLE: Readonly<Record<DeviceStatus, readonly DeviceStatus[]>> = {
  pending: ['active', 'revoked', 'decommissioned'],
  active: ['quarantined', 'revoked', 'decommissioned'],
  quarantined: ['active', 'revoked', 'decommissioned'],
  revoked: ['decommissioned'],
  decommissioned: [],
};

export function canTransition(from: DeviceStatus, to: DeviceStatus): boolean {
  return LIFECYCLE[from].includes(to);
}

/** Statuses that hold a model+serial: a second enrolment of the same unit is refused while one exists. */
export const LIVE_STATUSES: readonly DeviceStatus[] = ['pending', 'active', 'quarantined'];

export interface DeviceCertificateRef {
  /** Lower-case hex, no leading zeros (see normalizeSerial). */
  readonly serial: string;
  readonly notAfter: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly fingerprint: string;
}

export interface Device {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  readonly serial: string;
  readonly udi: string | null;
  readonly firmwareVersion: string | null;
  readonly status: DeviceStatus;
  readonly statusReason: string | null;
  readonly statusChangedAt: string;
  readonly groups: readonly string[];
  /** The site the device is at (a short code, GROUP_RE's rules); null or absent: none. */
  readonly site?: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string | null;
  readonly lastSeenAddress: string | null;
  readonly certificate: DeviceCertificateRef | null;
}

/** What the HTTP API and the CLI show of a device (an allowlist). */
export interface DeviceView {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  readonly serial: string;
  readonly udi: string | null;
  readonly firmwareVersion: string | null;
  readonly status: DeviceStatus;
  readonly groups: string[];
  /** The site the device is at; null: none. */
  readonly site: string | null;
  readonly lastSeenAt: string | null;
  readonly certificate: { readonly serial: string; readonly notAfter: string } | null;
}

export function toDeviceView(device: Device): DeviceView {
  return {
    id: device.id,
    orgId: device.orgId,
    model: device.model,
    serial: device.serial,
    udi: device.udi,
    firmwareVersion: device.firmwareVersion,
    status: device.status,
    groups: [...device.groups],
    site: device.site ?? null,
    lastSeenAt: device.lastSeenAt,
    certificate: device.certificate === null ? null : { serial: device.certificate.serial, notAfter: device.certificate.notAfter },
  };
}

export interface EnrollmentToken {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  /** SHA-256 of the token, hex; the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly consumedAt: string | null;
  readonly deviceId: string | null;
}

/** Why a device certificate was refused (authenticateDevice). Coded, for security events and metrics. */
export const DEVICE_REFUSALS = [
  'foreign-ca',
  'expired',
  'not-yet-valid',
  'revoked',
  'unknown-device',
  'quarantined',
  'decommissioned',
] as const;
export type DeviceRefusal = (typeof DEVICE_REFUSALS)[number];

/** Why access of a device was withdrawn (the revocation notifier). */
export type AccessWithdrawal = 'revoked' | 'quarantined' | 'decommissioned';

/** Organization ids as they appear in a device certificate's URI SAN (no ':' or spaces). */
export const ORG_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Model names: what a device maker calls the product ("vigil-pulse-2"). */
export const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Device serial numbers as printed on the unit. */
export const SERIAL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
/** Group names ("ward-3", "icu.north"); at most MAX_GROUPS per device. */
export const GROUP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_GROUPS = 32;
/** Site codes ("st-marys", "clinic.north"): the same characters as a group name. */
export const SITE_RE = GROUP_RE;
/** Coded reasons given by an operator for revoke and quarantine. */
export const REASON_RE = /^[a-z][a-z0-9-]{0,63}$/;

/** Certificate serials compare as lower-case hex without leading zeros (OpenSSL may print either way). */
export function normalizeSerial(hex: string): string {
  const stripped = hex.toLowerCase().replace(/[^0-9a-f]/g, '').replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}
