/**
 * authenticateDevice: the one check of a device's client certificate, for every transport
 * (MQTT CONNECT, HTTPS ingest, renewal).
 *
 * MUST: refuse, with a coded reason and a SecurityEvent, a certificate that the device CA did not
 *       issue ('foreign-ca'), that is outside its validity window by the Clock ('expired',
 *       'not-yet-valid'), whose serial is revoked or is not the device's current one ('revoked'),
 *       whose device is unknown or not active ('unknown-device', 'quarantined', 'decommissioned',
 *       'revoked').
 * MUST: the chain check uses node:crypto (checkIssued + verify), not what the TLS stack believed.
 * MUST: caches are short-lived and invalidated on every local change and on the status watcher's
 *       report of changes made by other processes (the CLI), so a revocation applies at once.
 */
import type { X509Certificate } from 'node:crypto';
import type { Clock, SecurityEventSink, SecuritySeverity } from '../kernel/index.js';
import type { DeviceCertificateAuthority } from './ca-port.js';
import { normalizeSerial, type Device, type DeviceRefusal, type DeviceStatus } from './model.js';
import type { DeviceCertificateStore, DeviceStore } from './store.js';

export interface AuthenticatedDevice {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly status: DeviceStatus;
  /** The serial of the certificate presented (lower-case hex). */
  readonly certificateSerial: string;
}

export type DeviceAuthentication =
  | { readonly ok: true; readonly device: AuthenticatedDevice }
  | { readonly ok: false; readonly reason: DeviceRefusal; readonly deviceId?: string; readonly orgId?: string };

export interface AuthenticateContext {
  /** Peer address, for the security event. */
  readonly source?: string;
  /** 'mqtt', 'https', 'renew': which door, for the security event. */
  readonly transport?: string;
  /**
   * Accept a quarantined device (its current, unrevoked certificate): only for the doors a
   * quarantined device needs to get clean again (firmware attestation and the update repository).
   */
  readonly allowQuarantined?: boolean;
}

/** The port the transports call. */
export type AuthenticateDevice = (peerCert: X509Certificate, context?: AuthenticateContext) => Promise<DeviceAuthentication>;

export interface DeviceAuthenticatorOptions {
  readonly ca: Pick<DeviceCertificateAuthority, 'issued' | 'identify'>;
  /** Read-only stores outside any transaction. */
  readonly devices: Pick<DeviceStore, 'find'>;
  readonly certificates: Pick<DeviceCertificateStore, 'revokedUnexpired'>;
  readonly clock: Clock;
  readonly security: SecurityEventSink;
  /** How long a registry lookup is reused; default 5 s. */
  readonly cacheTtlMs?: number;
}

const SEVERITY: Readonly<Record<DeviceRefusal, SecuritySeverity>> = {
  'foreign-ca': 'high',
  expired: 'medium',
  'not-yet-valid': 'medium',
  revoked: 'high',
  'unknown-device': 'high',
  quarantined: 'medium',
  decommissioned: 'medium',
};

export class DeviceAuthenticator {
  readonly #options: DeviceAuthenticatorOptions;
  readonly #ttl: number;
  readonly #devices = new Map<string, { device: Device | undefined; until: number }>();
  #revoked: { serials: ReadonlySet<string>; until: number } | undefined;

  constructor(options: DeviceAuthenticatorOptions) {
    this.#options = options;
    this.#ttl = options.cacheTtlMs ?? 5_000;
  }

  /** Bound, so it can be handed out as a function port. */
  readonly authenticateDevice: AuthenticateDevice = async (peer, context = {}) => {
    const result = await this.#check(peer, context.allowQuarantined === true);
    if (!result.ok) this.#emit(result, context, peer);
    return result;
  };

  /** Drops cached state: one device's, or everything (and the revoked serials) when no id is given. */
  invalidate(deviceId?: string): void {
    if (deviceId === undefined) this.#devices.clear();
    else this.#devices.delete(deviceId);
    this.#revoked = undefined;
  }

  async #check(peer: X509Certificate, allowQuarantined: boolean): Promise<DeviceAuthentication> {
    const { ca, clock } = this.#options;
    if (!ca.issued(peer)) return { ok: false, reason: 'foreign-ca' };
    const names = ca.identify(peer);
    if (names === undefined) return { ok: false, reason: 'foreign-ca' };
    const refuse = (reason: DeviceRefusal): DeviceAuthentication => ({ ok: false, reason, deviceId: names.deviceId, orgId: names.orgId });
    const now = clock.now().getTime();
    if (now < Date.parse(peer.validFrom)) return refuse('not-yet-valid');
    if (now > Date.parse(peer.validTo)) return refuse('expired');
    const serial = normalizeSerial(peer.serialNumber);
    const device = await this.#device(names.orgId, names.deviceId);
    if (device === undefined) return refuse('unknown-device');
    switch (device.status) {
      case 'active':
        break;
      case 'pending':
        return refuse('unknown-device');
      case 'quarantined':
        if (allowQuarantined) break;
        return refuse(device.status);
      case 'revoked':
      case 'decommissioned':
        return refuse(device.status);
    }
    if ((await this.#revokedSerials()).has(serial)) return refuse('revoked');
    // An older certificate of the device (superseded by a renewal) no longer opens the door.
    if (device.certificate === null || normalizeSerial(device.certificate.serial) !== serial) return refuse('revoked');
    return { ok: true, device: { deviceId: device.id, orgId: device.orgId, model: device.model, status: device.status, certificateSerial: serial } };
  }

  async #device(orgId: string, deviceId: string): Promise<Device | undefined> {
    const now = Date.now();
    const cached = this.#devices.get(deviceId);
    if (cached !== undefined && cached.until > now && (cached.device === undefined || cached.device.orgId === orgId)) return cached.device;
    const device = await this.#options.devices.find(orgId, deviceId);
    if (this.#devices.size > 50_000) this.#devices.clear();
    this.#devices.set(deviceId, { device, until: now + this.#ttl });
    return device;
  }

  async #revokedSerials(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#revoked !== undefined && this.#revoked.until > now) return this.#revoked.serials;
    const rows = await this.#options.certificates.revokedUnexpired(this.#options.clock.now().toISOString());
    const serials = new Set(rows.map((r) => normalizeSerial(r.serial)));
    this.#revoked = { serials, until: now + this.#ttl };
    return serials;
  }

  #emit(result: Extract<DeviceAuthentication, { ok: false }>, context: AuthenticateContext, peer: X509Certificate): void {
    try {
      this.#options.security.emit({
        type: 'device.certificate.refused',
        severity: SEVERITY[result.reason],
        reason: result.reason,
        ...(result.deviceId !== undefined ? { deviceId: result.deviceId } : {}),
        ...(result.orgId !== undefined ? { orgId: result.orgId } : {}),
        ...(context.source !== undefined ? { source: context.source } : {}),
        details: { transport: context.transport ?? 'unknown', fingerprint: peer.fingerprint256 },
      });
    } catch {
      // A sink must not throw into the caller's path (kernel/security-event.ts); ignore if it does.
    }
  }
}
