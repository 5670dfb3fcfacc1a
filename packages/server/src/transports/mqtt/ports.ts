/**
 * The ports the MQTT transport needs from the rest of Vigil. main.ts connects them: the devices
 * module authenticates certificates and announces revocations; telemetry ingests and records acks.
 */
import type { X509Certificate } from 'node:crypto';
import type { IngestDevice, IngestOutcome } from '../../telemetry/index.js';

/** A device the registry knows and allows to connect. */
export interface AuthenticatedDeviceIdentity {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly status: string;
}

export type DeviceAuthentication =
  | { readonly ok: true; readonly device: AuthenticatedDeviceIdentity }
  /** Coded reason: 'unknown-device', 'revoked', 'quarantined', 'decommissioned', 'expired', ... */
  | { readonly ok: false; readonly reason: string };

/**
 * Maps a peer certificate that already chained to the device CA (TLS verified it) to a registered
 * device. The devices module's authenticateDevice() implements it.
 * MUST: refuse a certificate that is revoked, superseded, of an unknown, quarantined or
 *       decommissioned device.
 */
export interface DeviceAuthenticator {
  authenticate(peerCertificate: X509Certificate): DeviceAuthentication | Promise<DeviceAuthentication>;
}

/** Secure default until the devices module is connected: nobody gets in. */
export const refuseAllDevices: DeviceAuthenticator = { authenticate: () => ({ ok: false, reason: 'no-device-registry' }) };

/** What the broker does with an authorized device publish. */
export interface DeviceMessageHandler {
  telemetry(device: IngestDevice, payload: Buffer, source: string): Promise<IngestOutcome>;
  /** A command ack (acks topic). */
  ack(device: IngestDevice, payload: Buffer, source: string): Promise<void>;
  /**
   * A device event (events topic): validated and stored before it resolves (the PUBACK follows).
   * Without a handler, events are refused (no PUBACK), never acknowledged and dropped.
   */
  event?(device: IngestDevice, payload: Buffer, source: string): Promise<{ readonly status: 'stored' | 'duplicate' } | { readonly status: 'rejected'; readonly reason: string }>;
  /** The device subscribed to its commands topic: deliver what waited. */
  commandsSubscribed(device: IngestDevice): void;
}
