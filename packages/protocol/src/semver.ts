/**
 * Semantic Versioning 2.0.0 (https://semver.org/spec/v2.0.0.html): parsing and precedence.
 *
 * MUST: only the full grammar of §2 (MAJOR.MINOR.PATCH, no leading zeros, optional pre-release
 *       and build) parses; anything else is refused, never coerced ("1.2" is not 1.2.0).
 * MUST: precedence follows §11: build metadata is ignored, a pre-release ranks below its release,
 *       numeric identifiers compare numerically and rank below alphanumeric ones.
 */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
  readonly text: string;
}

/** The regular expression suggested by semver.org, anchored. */
const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const MAX_LENGTH = 64;

export function parseSemVer(text: string): SemVer | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const m = SEMVER_RE.exec(text);
  if (m === null) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  return { major, minor, patch, prerelease: m[4] === undefined ? [] : m[4].split('.'), build: m[5] === undefined ? [] : m[5].split('.'), text };
}

export function isSemVer(text: string): boolean {
  return parseSemVer(text) !== undefined;
}

/** Negative when a < b, zero when equal in precedence (§11), positive when a > b. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifier(a.prerelease[i] ?? '', b.prerelease[i] ?? '');
    if (c !== 0) return c;
  }
  return a.prerelease.length - b.prerelease.length;
}

/** Compares two version strings; throws a TypeError when either is not SemVer (callers validate first). */
export function compareVersions(a: string, b: string): number {
  const pa = parseSemVer(a);
  const pb = parseSemVer(b);
  if (pa === undefined || pb === undefined) throw new TypeError(`not a semantic version: ${pa === undefined ? a : b}`);
  return compareSemVer(pa, pb);
}

function compareIdentifier(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
