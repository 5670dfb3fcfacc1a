/**
 * Parsing and whole-file validation of offline advisory feeds:
 *   - OSV JSON (https://ossf.github.io/osv-schema/): one record, an array of records, or {"vulns": [...]}
 *   - CISA Known Exploited Vulnerabilities catalogue JSON (catalogVersion, dateReleased, vulnerabilities[])
 *
 * MUST: any invalid record refuses the whole import; the error names the record (index and id)
 *       and the field. Nothing is partially imported.
 */
import { AppError } from '../../kernel/index.js';
import { ecosystemPurl, purlBase, type Advisory, type KevEntry, type OsvAffected, type OsvEvent } from './model.js';
import { parseSemVer } from './semver-2.js';

export type ParsedFeed =
  | { readonly kind: 'osv'; readonly advisories: readonly Advisory[]; readonly feedDate: string }
  | { readonly kind: 'kev'; readonly entries: readonly KevEntry[]; readonly feedDate: string; readonly catalogVersion: string };

export const MAX_FEED_RECORDS = 200_000;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const CVE_RE = /^CVE-\d{4}-\d{4,}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

class Invalid extends Error {}

function fail(where: string, problem: string): never {
  throw new Invalid(`${where}: ${problem}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string, optional = false): string {
  const v = o[key];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string' || v.length === 0 || v.length > 10_000) fail(where, `${key} must be a non-empty string`);
  return v;
}

function timestamp(o: Record<string, unknown>, key: string, where: string): string {
  const v = str(o, key, where);
  if (Number.isNaN(Date.parse(v))) fail(where, `${key} is not a date-time`);
  return new Date(v).toISOString();
}

export function parseFeed(text: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new AppError('COMPLIANCE_FEED_INVALID', { detail: `vulnerabilities: the file is not JSON (${error instanceof Error ? error.message : 'parse error'})` });
  }
  try {
    if (isObject(doc) && Array.isArray(doc['vulnerabilities']) && 'catalogVersion' in doc) return parseKev(doc);
    const records = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc['vulns']) ? (doc['vulns'] as unknown[]) : [doc];
    return parseOsv(records);
  } catch (error) {
    if (error instanceof Invalid) throw new AppError('COMPLIANCE_FEED_INVALID', { detail: `vulnerabilities: import refused, nothing imported: ${error.message}` });
    throw error;
  }
}

function parseOsv(records: readonly unknown[]): ParsedFeed {
  if (records.length === 0) fail('feed', 'no records');
  if (records.length > MAX_FEED_RECORDS) fail('feed', `more than ${MAX_FEED_RECORDS} records`);
  const advisories: Advisory[] = [];
  const seen = new Set<string>();
  let feedDate = '';
  records.forEach((record, index) => {
    const label = isObject(record) && typeof record['id'] === 'string' ? `record ${index} (${record['id']})` : `record ${index}`;
    if (!isObject(record)) fail(label, 'not an object');
    const id = str(record, 'id', label);
    if (!ID_RE.test(id)) fail(label, 'id has characters outside [A-Za-z0-9._:-]');
    if (seen.has(id)) fail(label, 'duplicate id');
    seen.add(id);
    const modified = timestamp(record, 'modified', label);
    if (modified > feedDate) feedDate = modified;
    const aliasesRaw = record['aliases'] ?? [];
    if (!Array.isArray(aliasesRaw) || !aliasesRaw.every((a) => typeof a === 'string' && ID_RE.test(a))) fail(label, 'aliases must be a list of ids');
    const affectedRaw = record['affected'] ?? [];
    if (!Array.isArray(affectedRaw)) fail(label, 'affected must be a list');
    const affected = affectedRaw.map((a, i) => parseAffected(a, `${label}: affected[${i}]`));
    advisories.push({ id, aliases: aliasesRaw as string[], summary: str(record, 'summary', label, true).slice(0, 500), modified, affected });
  });
  return { kind: 'osv', advisories, feedDate };
}

function parseAffected(value: unknown, where: string): OsvAffected {
  if (!isObject(value)) fail(where, 'not an object');
  const pkg = value['package'];
  if (!isObject(pkg)) fail(where, 'package is missing');
  const purlText = typeof pkg['purl'] === 'string' ? purlBase(pkg['purl']) : ecosystemPurl(str(pkg, 'ecosystem', `${where}.package`), str(pkg, 'name', `${where}.package`));
  if (purlText === null) fail(`${where}.package`, 'no package URL: give package.purl, or a known ecosystem and a name');
  const rangesRaw = value['ranges'] ?? [];
  const versionsRaw = value['versions'] ?? [];
  if (!Array.isArray(rangesRaw)) fail(where, 'ranges must be a list');
  if (!Array.isArray(versionsRaw) || !versionsRaw.every((v) => typeof v === 'string')) fail(where, 'versions must be a list of strings');
  const ranges = rangesRaw.map((r, i) => {
    const at = `${where}.ranges[${i}]`;
    if (!isObject(r)) fail(at, 'not an object');
    const type = str(r, 'type', at);
    if (!['SEMVER', 'ECOSYSTEM', 'GIT'].includes(type)) fail(at, `type ${type} is not SEMVER, ECOSYSTEM or GIT`);
    const eventsRaw = r['events'];
    if (!Array.isArray(eventsRaw) || eventsRaw.length === 0) fail(at, 'events must be a non-empty list');
    const events = eventsRaw.map((e, j): OsvEvent => {
      const ew = `${at}.events[${j}]`;
      if (!isObject(e)) fail(ew, 'not an object');
      const keys = Object.keys(e);
      const [key] = keys;
      if (keys.length !== 1 || key === undefined || !['introduced', 'fixed', 'last_affected', 'limit'].includes(key)) fail(ew, 'an event has exactly one of introduced, fixed, last_affected, limit');
      const v = e[key];
      if (typeof v !== 'string' || v === '') fail(ew, `${key} must be a version`);
      if (type === 'SEMVER' && !(key === 'introduced' && v === '0') && parseSemVer(v) === null) fail(ew, `${key} ${JSON.stringify(v)} is not a semantic version`);
      return { [key]: v } as OsvEvent;
    });
    if (!events.some((e) => e.introduced !== undefined)) fail(at, 'a range needs an introduced event');
    return { type, events };
  });
  return { purl: purlText, ranges, versions: versionsRaw as string[] };
}

function parseKev(doc: Record<string, unknown>): ParsedFeed {
  const catalogVersion = str(doc, 'catalogVersion', 'catalogue');
  const feedDate = timestamp(doc, 'dateReleased', 'catalogue');
  const list = doc['vulnerabilities'] as unknown[];
  if (list.length > MAX_FEED_RECORDS) fail('catalogue', `more than ${MAX_FEED_RECORDS} records`);
  const entries = list.map((v, index): KevEntry => {
    const label = isObject(v) && typeof v['cveID'] === 'string' ? `record ${index} (${v['cveID']})` : `record ${index}`;
    if (!isObject(v)) fail(label, 'not an object');
    const cveId = str(v, 'cveID', label);
    if (!CVE_RE.test(cveId)) fail(label, 'cveID is not a CVE id');
    const dateAdded = str(v, 'dateAdded', label);
    const dueDate = str(v, 'dueDate', label);
    if (!DATE_RE.test(dateAdded) || !DATE_RE.test(dueDate)) fail(label, 'dateAdded and dueDate must be YYYY-MM-DD');
    return { cveId, vendorProject: str(v, 'vendorProject', label), product: str(v, 'product', label), dateAdded, dueDate };
  });
  return { kind: 'kev', entries, feedDate, catalogVersion };
}
