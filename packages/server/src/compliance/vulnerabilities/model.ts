/**
 * Vulnerability management (FDA section 524B(b)(1), HIPAA §164.308(a)(1)(ii)(B)): advisories from
 * an offline feed (OSV JSON; CISA Known Exploited Vulnerabilities JSON) matched against SBOM
 * components by package URL and version range; VEX "not affected" statements close a match.
 *
 * MUST: an import is validated whole: one invalid record refuses the whole file, naming the record.
 * MUST: matching is by package URL (type and name) and version range, never by display name.
 */
import { compareSemVer, parseSemVer } from './semver-2.js';

export interface OsvEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

export interface OsvAffected {
  /** pkg:<type>/<namespace>/<name> without a version (from package.purl, or ecosystem + name). */
  readonly purl: string;
  readonly ranges: ReadonlyArray<{ readonly type: string; readonly events: readonly OsvEvent[] }>;
  readonly versions: readonly string[];
}

export interface Advisory {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly modified: string;
  readonly affected: readonly OsvAffected[];
}

export interface KevEntry {
  readonly cveId: string;
  readonly vendorProject: string;
  readonly product: string;
  readonly dateAdded: string;
  readonly dueDate: string;
}

export interface Component {
  readonly name: string;
  readonly version: string;
  /** e.g. pkg:npm/%40fastify/cookie@11.1.5 */
  readonly purl: string;
}

export interface VulnerabilityMatch {
  readonly advisoryId: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly component: Component;
  /** Some alias is in the CISA KEV catalogue. */
  readonly knownExploited: boolean;
}

/** pkg:type/namespace/name (decoded), without version, qualifiers or subpath. */
export function purlBase(purl: string): string | null {
  const m = /^pkg:([a-z][a-z0-9.+-]*)\/([^@?#]+)/i.exec(purl);
  if (!m?.[1] || m[2] === undefined) return null;
  return `pkg:${m[1].toLowerCase()}/${decodeURIComponent(m[2])}`;
}

export function purlVersion(purl: string): string | null {
  const m = /@([^?#]+)/.exec(purl.replace(/^pkg:[^/]+\/(%40|@)?/, ''));
  return m?.[1] === undefined ? null : decodeURIComponent(m[1]);
}

const ECOSYSTEM_PURL: Readonly<Record<string, string>> = { npm: 'npm', PyPI: 'pypi', Go: 'golang', Maven: 'maven', 'crates.io': 'cargo', NuGet: 'nuget', RubyGems: 'gem', Debian: 'deb' };

export function ecosystemPurl(ecosystem: string, name: string): string | null {
  const type = ECOSYSTEM_PURL[ecosystem];
  return type === undefined ? null : `pkg:${type}/${name}`;
}

/** Whether `version` falls in one OSV affected entry (explicit versions, or SEMVER ranges). */
export function versionAffected(affected: OsvAffected, version: string): boolean {
  if (affected.versions.includes(version)) return true;
  const v = parseSemVer(version);
  if (!v) return false;
  for (const range of affected.ranges) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    // OSV §"Evaluation": walk the events in order; introduced opens, fixed/last_affected closes.
    let inside = false;
    for (const e of sortedEvents(range.events)) {
      if (e.introduced !== undefined) {
        const at = e.introduced === '0' ? null : parseSemVer(e.introduced);
        if (e.introduced === '0' || (at && compareSemVer(v, at) >= 0)) inside = true;
      } else if (e.fixed !== undefined) {
        const at = parseSemVer(e.fixed);
        if (at && compareSemVer(v, at) >= 0) inside = false;
      } else if (e.last_affected !== undefined) {
        const at = parseSemVer(e.last_affected);
        if (at && compareSemVer(v, at) > 0) inside = false;
      }
    }
    if (inside) return true;
  }
  return false;
}

function sortedEvents(events: readonly OsvEvent[]): OsvEvent[] {
  const key = (e: OsvEvent) => parseSemVer(e.introduced === '0' ? '0.0.0' : (e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '0.0.0'));
  return [...events].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x && y ? compareSemVer(x, y) : 0;
  });
}

export function matchComponents(components: readonly Component[], advisories: readonly Advisory[], kev: ReadonlySet<string>): VulnerabilityMatch[] {
  const byBase = new Map<string, Component[]>();
  for (const c of components) {
    const base = purlBase(c.purl);
    if (base === null) continue;
    const list = byBase.get(base) ?? [];
    list.push(c);
    byBase.set(base, list);
  }
  const out: VulnerabilityMatch[] = [];
  for (const a of advisories) {
    for (const aff of a.affected) {
      for (const c of byBase.get(aff.purl) ?? []) {
        if (!versionAffected(aff, c.version)) continue;
        out.push({ advisoryId: a.id, aliases: a.aliases, summary: a.summary, component: c, knownExploited: [a.id, ...a.aliases].some((x) => kev.has(x)) });
      }
    }
  }
  return out;
}

/** The finding resource id of a match: advisory and component. */
export function matchResourceId(m: Pick<VulnerabilityMatch, 'advisoryId' | 'component'>): string {
  return `${m.advisoryId}@${m.component.purl}`;
}

/** Components of a CycloneDX SBOM (JSON) that carry a package URL and a version. */
export function sbomComponents(sbom: unknown): Component[] {
  if (typeof sbom !== 'object' || sbom === null) return [];
  const list = (sbom as { components?: unknown }).components;
  if (!Array.isArray(list)) return [];
  const out: Component[] = [];
  const walk = (items: unknown[]) => {
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue;
      const c = item as { name?: unknown; version?: unknown; purl?: unknown; components?: unknown };
      if (typeof c.purl === 'string' && typeof c.version === 'string') out.push({ name: typeof c.name === 'string' ? c.name : c.purl, version: c.version, purl: c.purl });
      if (Array.isArray(c.components)) walk(c.components);
    }
  };
  walk(list);
  return out;
}
