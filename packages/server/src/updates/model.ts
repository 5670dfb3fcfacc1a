/**
 * Firmware releases: types and the pure rules that check a release before it is stored.
 *
 * MUST: a model name, a target file name and hardware revisions match strict allowlists; a target
 *       path is always `<model>/<version>/<file>` built here, never taken from a client, so no
 *       client string can traverse out of the repository (TUF §5.7.3 target paths are URL paths).
 * MUST: version and minVersion are SemVer 2.0.0; minVersion <= version; a new release is never
 *       below the highest minimum version already published for its model (a downgrade that
 *       devices past that minimum could not accept).
 * MUST: the release's support end and end-of-life dates are real dates, end of life not before
 *       support end (FDA premarket guidance, §V.A.4.b: support information for the device).
 */
import { AppError } from '../kernel/index.js';
import { isDate, type SbomSummary } from './sbom.js';
import { compareVersions, isSemVer } from '@vigil/protocol';

export const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const TARGET_FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const HARDWARE_REVISION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const NOTES_RE = /^[\x20-\x7E\n\t]*$/;
export const MAX_NOTES = 8000;
export const MAX_HARDWARE_REVISIONS = 32;
/** The default upload limit of a model without a policy: 256 MiB. */
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;

export interface FirmwareImage {
  readonly sha256: string;
  readonly sha512: string;
  readonly length: number;
  readonly model: string;
  readonly uploadedAt: string;
  readonly uploadedBy: string;
}

export interface FirmwareRelease {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly minVersion: string;
  readonly hardwareRevisions: readonly string[];
  readonly notes: string;
  /** `<model>/<version>/<file>`: the TUF target path. */
  readonly targetPath: string;
  readonly sha256: string;
  readonly sha512: string;
  readonly length: number;
  readonly supportEndsAt: string;
  readonly endOfLifeAt: string;
  readonly sbom: SbomSummary;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Per-model policy (upload limit; attestation rules arrive with the attestation work). */
export interface ModelPolicy {
  readonly model: string;
  readonly maxImageBytes: number;
  readonly requireAttestation: boolean;
  readonly quarantineOnUnknownHash: boolean;
}

export interface ReleaseInput {
  readonly model: string;
  readonly version: string;
  readonly minVersion?: string | undefined;
  readonly hardwareRevisions: readonly string[];
  readonly notes?: string | undefined;
  readonly fileName?: string | undefined;
  readonly sha256: string;
  readonly supportEndsAt: string;
  readonly endOfLifeAt: string;
  readonly sbom: string;
}

export function defaultPolicy(model: string): ModelPolicy {
  return { model, maxImageBytes: DEFAULT_MAX_IMAGE_BYTES, requireAttestation: false, quarantineOnUnknownHash: false };
}

export function checkModel(model: string): void {
  if (!MODEL_RE.test(model)) throw bad('The model name is not valid.');
}

/** The checks that need no store. Returns the target path. */
export function checkReleaseInput(input: ReleaseInput): { targetPath: string; minVersion: string } {
  checkModel(input.model);
  if (!isSemVer(input.version)) throw new AppError('UPDATES_VERSION_INVALID', { publicMessage: `The version ${JSON.stringify(input.version.slice(0, 64))} is not a semantic version (MAJOR.MINOR.PATCH).` });
  const minVersion = input.minVersion ?? '0.0.0';
  if (!isSemVer(minVersion)) throw new AppError('UPDATES_VERSION_INVALID', { publicMessage: 'The minimum version is not a semantic version (MAJOR.MINOR.PATCH).' });
  if (compareVersions(minVersion, input.version) > 0) throw new AppError('UPDATES_VERSION_INVALID', { publicMessage: 'The minimum version is above the release version.' });
  if (input.version.includes('+')) throw new AppError('UPDATES_VERSION_INVALID', { publicMessage: 'Build metadata (+...) is not allowed in a release version: it does not order releases.' });
  const fileName = input.fileName ?? 'firmware.bin';
  if (!TARGET_FILE_RE.test(fileName) || fileName.includes('..')) throw new AppError('UPDATES_TARGET_NAME_INVALID', { publicMessage: 'The image file name is not valid (letters, digits, . _ -; no path).' });
  if (input.hardwareRevisions.length === 0 || input.hardwareRevisions.length > MAX_HARDWARE_REVISIONS) throw bad(`Give 1..${MAX_HARDWARE_REVISIONS} hardware revisions.`);
  for (const rev of input.hardwareRevisions) if (!HARDWARE_REVISION_RE.test(rev)) throw bad('A hardware revision is not valid.');
  if (new Set(input.hardwareRevisions).size !== input.hardwareRevisions.length) throw bad('Hardware revisions repeat.');
  const notes = input.notes ?? '';
  if (notes.length > MAX_NOTES || !NOTES_RE.test(notes)) throw bad(`Release notes are printable text of at most ${MAX_NOTES} characters.`);
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw bad('The image SHA-256 is not 64 lower-case hex characters.');
  if (!isDate(input.supportEndsAt) || !isDate(input.endOfLifeAt)) throw new AppError('UPDATES_SUPPORT_DATES_INVALID', { publicMessage: 'supportEndsAt and endOfLifeAt are required dates (YYYY-MM-DD).' });
  if (input.endOfLifeAt < input.supportEndsAt) throw new AppError('UPDATES_SUPPORT_DATES_INVALID', { publicMessage: 'endOfLifeAt is before supportEndsAt.' });
  return { targetPath: `${input.model}/${input.version}/${fileName}`, minVersion };
}

/** A new release against the model's published ones: not a duplicate, not below their minimum. */
export function checkAgainstPublished(version: string, published: readonly FirmwareRelease[]): void {
  for (const r of published) {
    if (compareVersions(r.version, version) === 0) throw new AppError('UPDATES_RELEASE_EXISTS', { publicMessage: `Version ${version} of this model is already published.` });
  }
  const floor = published.reduce<string | undefined>((max, r) => (max === undefined || compareVersions(r.minVersion, max) > 0 ? r.minVersion : max), undefined);
  if (floor !== undefined && compareVersions(version, floor) < 0) {
    throw new AppError('UPDATES_VERSION_BELOW_MINIMUM', { publicMessage: `Version ${version} is below the minimum version ${floor} of a published release; devices could not take it.` });
  }
}

function bad(message: string): AppError {
  return new AppError('VALIDATION_FAILED', { publicMessage: message });
}
