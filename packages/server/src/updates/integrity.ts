/**
 * Firmware integrity: the pure rules that compare what a device runs with the signed releases.
 *
 *   verified        the image hash is a release of the device's model (the hash decides the
 *                   release; a wrong version string does not hide a known image)
 *   unknown-hash    no release of any model has this hash (tampered or unofficial image)
 *   foreign-hash    the hash is a release of another model (wrong software)
 *   below-minimum   a release of the model, but below the highest minimum version published
 *   outdated        verified, but a newer release of the model exists (scan only)
 *   end-of-support  verified, but the release's support has ended (scan only)
 *   no-report       no attestation yet (scan only; alerts when the model requires one)
 *
 * MUST: unknown-hash, foreign-hash and below-minimum are integrity failures: they raise a
 *       security alert, and unknown-hash / foreign-hash quarantine the device where the model's
 *       policy says so.
 */
import { compareVersions } from '@vigil/protocol';
import type { FirmwareRelease } from './model.js';

export type ReportState = 'verified' | 'unknown-hash' | 'foreign-hash' | 'below-minimum';
export type IntegrityState = ReportState | 'outdated' | 'end-of-support' | 'no-report';
export const INTEGRITY_FAILURES: readonly ReportState[] = ['unknown-hash', 'foreign-hash', 'below-minimum'];

export interface Classification {
  readonly state: ReportState;
  readonly release: FirmwareRelease | undefined;
}

export function classifyReport(model: string, imageSha256: string, releases: readonly FirmwareRelease[]): Classification {
  const own = releases.filter((r) => r.model === model);
  const release = own.find((r) => r.sha256 === imageSha256);
  if (release === undefined) {
    return { state: releases.some((r) => r.sha256 === imageSha256) ? 'foreign-hash' : 'unknown-hash', release: undefined };
  }
  const floor = own.reduce<string | undefined>((max, r) => (max === undefined || compareVersions(r.minVersion, max) > 0 ? r.minVersion : max), undefined);
  if (floor !== undefined && compareVersions(release.version, floor) < 0) return { state: 'below-minimum', release };
  return { state: 'verified', release };
}

/** The scan's view of a device with a stored report state (or none). */
export function integrityOf(model: string, stored: { state: string; imageSha256: string } | undefined, releases: readonly FirmwareRelease[], today: string): IntegrityState {
  if (stored === undefined) return 'no-report';
  const { state, release } = classifyReport(model, stored.imageSha256, releases);
  if (state !== 'verified' || release === undefined) return state;
  if (release.supportEndsAt < today) return 'end-of-support';
  const newest = releases.filter((r) => r.model === model).some((r) => compareVersions(r.version, release.version) > 0);
  return newest ? 'outdated' : 'verified';
}
