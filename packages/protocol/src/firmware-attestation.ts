/**
 * Firmware attestation: a device's signed statement of the firmware it runs (FDA premarket
 * guidance App. 1 D, code and execution integrity). Sent at connect and after every install.
 *
 *   { v: 1, deviceId, firmwareVersion, imageSha256, at, nonce, sig }
 *
 * `sig` is ECDSA P-256 / SHA-256 in IEEE P1363 form (base64) by the device's enrolled key over
 * `canonicalAttestation(report)`, so both sides sign and verify the same bytes.
 * MUST: a report is accepted only when its shape is exact (checkAttestation), its signature
 *       verifies against the device certificate it came with, and `at` is fresh and newer than the
 *       device's previous report (no replay of an old, clean report).
 */
import { isSemVer } from './semver.js';

export const ATTESTATION_VERSION = 1;

export interface FirmwareAttestation {
  readonly v: 1;
  readonly deviceId: string;
  readonly firmwareVersion: string;
  readonly imageSha256: string;
  /** ISO-8601 UTC time of the measurement. */
  readonly at: string;
  /** 16-64 random URL-safe characters. */
  readonly nonce: string;
  readonly sig: string;
}

const KEYS = ['v', 'deviceId', 'firmwareVersion', 'imageSha256', 'at', 'nonce', 'sig'];

export function canonicalAttestation(report: Omit<FirmwareAttestation, 'sig'>): string {
  return JSON.stringify(['vigil-attestation', report.v, report.deviceId, report.firmwareVersion, report.imageSha256, report.at, report.nonce]);
}

/** The report when its shape is exact, else a coded reason. */
export function checkAttestation(value: unknown): FirmwareAttestation | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not-an-object';
  const r = value as Record<string, unknown>;
  if (Object.keys(r).length !== KEYS.length || !KEYS.every((k) => Object.hasOwn(r, k))) return 'fields';
  if (r['v'] !== ATTESTATION_VERSION) return 'version';
  if (typeof r['deviceId'] !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(r['deviceId'])) return 'device-id';
  if (typeof r['firmwareVersion'] !== 'string' || !isSemVer(r['firmwareVersion'])) return 'firmware-version';
  if (typeof r['imageSha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(r['imageSha256'])) return 'image-sha256';
  if (typeof r['at'] !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(r['at']) || Number.isNaN(Date.parse(r['at']))) return 'at';
  if (typeof r['nonce'] !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(r['nonce'])) return 'nonce';
  if (typeof r['sig'] !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(r['sig'])) return 'sig';
  return r as unknown as FirmwareAttestation;
}
