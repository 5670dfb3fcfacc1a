/**
 * Firmware SBOMs: CycloneDX JSON (https://cyclonedx.org/specification/overview/), checked with
 * @cyclonedx/cyclonedx-library's strict JSON schema validator, then against the support rules of
 * FDA's premarket cybersecurity guidance (2023, §V.A.4.b and 524B(b)(3)): every component states
 * its level of support and its end-of-support date, or a justification where they are unknown.
 *
 * The support facts ride in CycloneDX `properties` (name/value pairs, a namespace of ours):
 *   vigil:support-level          one of SUPPORT_LEVELS
 *   vigil:end-of-support         YYYY-MM-DD
 *   vigil:support-justification  free text, required when the level is 'unknown' or the date is missing
 *
 * MUST: an SBOM that is not CycloneDX JSON of a supported spec version, fails the schema, or has
 *       a component without support facts is refused (UPDATES_SBOM_INVALID) with the reason; the
 *       release is then not stored.
 * MUST: the JSON is parsed with a size bound and no prototype keys reach the summary.
 */
import * as CDX from '@cyclonedx/cyclonedx-library';
import { AppError } from '../kernel/index.js';

export const SUPPORT_LEVELS = ['actively-maintained', 'security-fixes-only', 'no-longer-maintained', 'abandoned', 'unknown'] as const;
export type SupportLevel = (typeof SUPPORT_LEVELS)[number];

export const MAX_SBOM_BYTES = 4 * 1024 * 1024;
const SPEC_VERSIONS: Readonly<Record<string, CDX.Spec.Version>> = {
  '1.4': CDX.Spec.Version.v1dot4,
  '1.5': CDX.Spec.Version.v1dot5,
  '1.6': CDX.Spec.Version.v1dot6,
};
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_COMPONENTS = 5000;

export interface SbomComponent {
  readonly name: string;
  readonly version: string | null;
  readonly purl: string | null;
  readonly licenses: readonly string[];
  readonly supportLevel: SupportLevel;
  readonly endOfSupport: string | null;
  readonly justification: string | null;
}

export interface SbomSummary {
  readonly specVersion: string;
  readonly serialNumber: string | null;
  readonly components: readonly SbomComponent[];
}

/** Validates the SBOM text; returns the canonical text to store and its summary. */
export async function checkSbom(text: string): Promise<{ text: string; summary: SbomSummary }> {
  if (Buffer.byteLength(text, 'utf8') > MAX_SBOM_BYTES) throw invalid(`the SBOM is larger than ${MAX_SBOM_BYTES} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalid('the SBOM is not JSON (CycloneDX JSON is required)');
  }
  if (!isRecord(document) || document['bomFormat'] !== 'CycloneDX') throw invalid('the SBOM is not CycloneDX (bomFormat must be "CycloneDX")');
  const specVersion = document['specVersion'];
  const spec = typeof specVersion === 'string' && Object.hasOwn(SPEC_VERSIONS, specVersion) ? SPEC_VERSIONS[specVersion] : undefined;
  if (spec === undefined) throw invalid(`CycloneDX specVersion ${JSON.stringify(specVersion)} is not supported (use ${Object.keys(SPEC_VERSIONS).join(', ')})`);
  const validator = new CDX.Validation.JsonStrictValidator(spec);
  const errors = await validator.validate(text);
  if (errors !== null) throw invalid(`the SBOM fails the CycloneDX ${specVersion as string} schema: ${describeErrors(errors)}`);
  const components = Array.isArray(document['components']) ? (document['components'] as unknown[]) : [];
  if (components.length === 0) throw invalid('the SBOM lists no components');
  if (components.length > MAX_COMPONENTS) throw invalid(`the SBOM lists more than ${MAX_COMPONENTS} components`);
  const summary = components.map((c, i) => componentOf(c, i));
  const serial = document['serialNumber'];
  return { text, summary: { specVersion: specVersion as string, serialNumber: typeof serial === 'string' ? serial : null, components: summary } };
}

function componentOf(value: unknown, index: number): SbomComponent {
  if (!isRecord(value)) throw invalid(`component ${index} is not an object`);
  const name = typeof value['name'] === 'string' ? value['name'] : `#${index}`;
  const where = `component ${JSON.stringify(name)}`;
  const props = new Map<string, string>();
  for (const p of Array.isArray(value['properties']) ? (value['properties'] as unknown[]) : []) {
    if (isRecord(p) && typeof p['name'] === 'string' && typeof p['value'] === 'string') props.set(p['name'], p['value']);
  }
  const level = props.get('vigil:support-level');
  if (level === undefined) throw invalid(`${where} has no vigil:support-level property (one of ${SUPPORT_LEVELS.join(', ')})`);
  if (!(SUPPORT_LEVELS as readonly string[]).includes(level)) throw invalid(`${where}: vigil:support-level ${JSON.stringify(level)} is not one of ${SUPPORT_LEVELS.join(', ')}`);
  const end = props.get('vigil:end-of-support') ?? null;
  if (end !== null && !isDate(end)) throw invalid(`${where}: vigil:end-of-support must be a date YYYY-MM-DD`);
  const justification = props.get('vigil:support-justification')?.trim() || null;
  if ((level === 'unknown' || end === null) && justification === null) {
    throw invalid(`${where} has no end-of-support date and no vigil:support-justification`);
  }
  return {
    name,
    version: typeof value['version'] === 'string' ? value['version'] : null,
    purl: typeof value['purl'] === 'string' ? value['purl'] : null,
    licenses: licensesOf(value['licenses']),
    supportLevel: level as SupportLevel,
    endOfSupport: end,
    justification,
  };
}

function licensesOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const entry of value as unknown[]) {
    if (!isRecord(entry)) continue;
    if (typeof entry['expression'] === 'string') out.push(entry['expression']);
    const license = entry['license'];
    if (isRecord(license)) {
      const id = license['id'] ?? license['name'];
      if (typeof id === 'string') out.push(id);
    }
  }
  return out;
}

/** A calendar date (YYYY-MM-DD) that exists. */
export function isDate(text: string): boolean {
  if (!DATE_RE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function describeErrors(errors: unknown): string {
  if (!Array.isArray(errors)) return 'invalid';
  return (errors as unknown[])
    .slice(0, 3)
    .map((e) => (isRecord(e) ? `${String(e['instancePath'] || '/')} ${String(e['message'] ?? '')}`.trim() : 'invalid'))
    .join('; ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(detail: string): AppError {
  return new AppError('UPDATES_SBOM_INVALID', { publicMessage: `The SBOM is refused: ${detail}.`, detail });
}
