/**
 * FHIR search parameters (R4 §3.1.1 search, https://hl7.org/fhir/R4/search.html) as Vigil reads
 * them: `patient`, `code` (token), `date` (with prefixes), `_count`, `_sort`, `_id`, `identifier`,
 * and Vigil's opaque paging cursor `_cursor`. Pure functions, no I/O.
 *
 * MUST: an unknown or malformed parameter is refused (FHIR_SEARCH_INVALID, 400), never ignored:
 *       a filter silently dropped would return more PHI than asked for.
 * MUST: `_count` is capped (MAX_COUNT); the cursor is parsed strictly and carries only a position.
 */
import { AppError } from '../kernel/index.js';
import { FHIR_ID_RE, LOINC_SYSTEM } from './resources.js';
import { OBSERVATION_CODES } from './vital-signs.js';

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;

export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

export function invalid(message: string): AppError {
  return new AppError('FHIR_SEARCH_INVALID', { publicMessage: message });
}

export function values(query: RawQuery, name: string): string[] {
  const v = query[name];
  return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
}

export function single(query: RawQuery, name: string): string | undefined {
  const all = values(query, name);
  if (all.length > 1) throw invalid(`The parameter ${name} may be given once.`);
  return all[0];
}

/** Refuses parameters outside `allowed` (`_format` is always allowed: JSON is all Vigil speaks). */
export function onlyParams(query: RawQuery, allowed: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (name === '_format') {
      const format = single(query, '_format') ?? '';
      if (!['json', 'application/json', 'application/fhir+json'].includes(format)) throw invalid('Only _format=json is supported.');
      continue;
    }
    if (!allowed.includes(name)) throw invalid(`The search parameter ${/^[A-Za-z_:.-]{1,40}$/.test(name) ? name : '(unknown)'} is not supported here.`);
  }
}

export function parseCount(query: RawQuery): number {
  const text = single(query, '_count');
  if (text === undefined) return DEFAULT_COUNT;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1) throw invalid('_count must be a positive integer.');
  return Math.min(Number(text), MAX_COUNT);
}

export type SortOrder = 'asc' | 'desc';

export function parseSort(query: RawQuery): SortOrder {
  const text = single(query, '_sort');
  if (text === undefined || text === 'date') return 'asc';
  if (text === '-date') return 'desc';
  throw invalid('_sort must be date or -date.');
}

/** A reference to a patient: `id` or `Patient/id`. */
export function parsePatientRef(text: string): string {
  const id = text.startsWith('Patient/') ? text.slice('Patient/'.length) : text;
  if (!FHIR_ID_RE.test(id)) throw invalid('patient must be a Patient id or Patient/{id}.');
  return id;
}

/** `code` tokens: `code`, `system|code` (LOINC), comma-separated alternatives (OR). */
export function parseCodes(query: RawQuery): string[] | undefined {
  const all = values(query, 'code');
  if (all.length === 0) return undefined;
  if (all.length > 1) throw invalid('code may be given once (use commas for alternatives).');
  const out = new Set<string>();
  for (const token of (all[0] ?? '').split(',')) {
    const bar = token.indexOf('|');
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const code = bar < 0 ? token : token.slice(bar + 1);
    if (system !== undefined && system !== '' && system !== LOINC_SYSTEM) throw invalid(`Only LOINC codes (${LOINC_SYSTEM}) are supported.`);
    if (!OBSERVATION_CODES.includes(code)) throw invalid(`The code ${/^[0-9-]{1,10}$/.test(code) ? code : '(unknown)'} is not a supported vital sign.`);
    out.add(code);
  }
  return [...out];
}

/** A time range: from (inclusive) and to (exclusive), either open. ISO-8601 UTC instants. */
export interface TimeRange {
  readonly from?: string;
  readonly to?: string;
}

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/**
 * The interval a search date stands for (R4 §3.1.1.4.6: a date is a range at its own precision:
 * `2026-11-28` is the whole day, `2026-11-28T10:00Z` that minute).
 */
export function dateInterval(text: string): { start: Date; end: Date } {
  const m = DATE_RE.exec(text);
  if (!m) throw invalid('date values are YYYY, YYYY-MM, YYYY-MM-DD or an ISO-8601 date-time with a zone.');
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (h !== undefined && zone === undefined) throw invalid('a date-time needs a zone (Z or ±hh:mm).');
  const year = Number(y);
  let start: Date;
  let end: Date;
  if (mo === undefined) {
    start = new Date(Date.UTC(year, 0, 1));
    end = new Date(Date.UTC(year + 1, 0, 1));
  } else if (d === undefined) {
    start = new Date(Date.UTC(year, Number(mo) - 1, 1));
    end = new Date(Date.UTC(year, Number(mo), 1));
  } else if (h === undefined) {
    start = new Date(Date.UTC(year, Number(mo) - 1, Number(d)));
    end = new Date(start.getTime() + 86_400_000);
  } else {
    start = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ?? ''}${zone ?? 'Z'}`);
    const step = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
    end = new Date(start.getTime() + step);
  }
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw invalid('date is not a valid date.');
  return { start, end };
}

/** Every `date` parameter narrows the range (they AND together); prefixes ge, gt, le, lt, eq. */
export function parseDateRange(query: RawQuery): TimeRange {
  let from: number | undefined;
  let to: number | undefined;
  const lower = (t: number) => (from = from === undefined ? t : Math.max(from, t));
  const upper = (t: number) => (to = to === undefined ? t : Math.min(to, t));
  const all = values(query, 'date');
  if (all.length > 4) throw invalid('At most four date parameters.');
  for (const text of all) {
    const m = /^(ge|gt|le|lt|eq)?(.+)$/.exec(text);
    const prefix = m?.[1] ?? 'eq';
    const { start, end } = dateInterval(m?.[2] ?? '');
    switch (prefix) {
      case 'ge':
        lower(start.getTime());
        break;
      case 'gt':
        lower(end.getTime());
        break;
      case 'le':
        upper(end.getTime());
        break;
      case 'lt':
        upper(start.getTime());
        break;
      default:
        lower(start.getTime());
        upper(end.getTime());
    }
  }
  return {
    ...(from !== undefined ? { from: new Date(from).toISOString() } : {}),
    ...(to !== undefined ? { to: new Date(to).toISOString() } : {}),
  };
}
