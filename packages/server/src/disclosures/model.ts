/**
 * The accounting of disclosures (HIPAA §164.528): types and pure rules. No I/O.
 *
 * An accounting lists disclosures of a patient's PHI to OUTSIDE parties. It is not the access
 * log (who inside read the record: a use log, kept by the audit trail and shown at
 * GET /api/v1/patients/:id/disclosures).
 *
 * MUST: a disclosure that §164.528(a)(1) exempts from the accounting is refused when someone tries
 *       to record it, with the exclusion named (EXCLUSIONS); it is never stored as if accountable.
 * MUST: an accounting covers at most six years before the request (§164.528(a)(1), (a)(3)).
 * MUST: repeated disclosures to one recipient for one purpose may be summarized (§164.528(b)(3)):
 *       the first disclosure in full, the number of disclosures, and the date of the last.
 * MUST: a suspension requested by a health oversight agency or law-enforcement official
 *       (§164.528(a)(2)) hides the disclosures to that agency or official, for those purposes, from
 *       the accounting given to the individual while it lasts; an oral one lasts at most 30 days.
 * MUST: rows younger than six years are never pruned (§164.530(j)(2) keeps the documentation
 *       six years; §164.528(a)(3) lets the individual ask for six years).
 */

/** Purposes that the accounting must include: disclosures under §164.502(a)(2)(ii) and §164.512. */
export const ACCOUNTABLE_PURPOSES = {
  'required-by-law': '§164.512(a): required by law',
  'public-health': '§164.512(b): public health activities',
  'abuse-neglect-report': '§164.512(c): report of abuse, neglect or domestic violence',
  'health-oversight': '§164.512(d): health oversight activities',
  'judicial-proceeding': '§164.512(e): judicial or administrative proceeding',
  'law-enforcement': '§164.512(f): law enforcement purposes',
  decedents: '§164.512(g): coroners, medical examiners, funeral directors',
  'organ-donation': '§164.512(h): cadaveric organ, eye or tissue donation',
  research: '§164.512(i): research (waiver of authorization)',
  'serious-threat': '§164.512(j): to avert a serious threat to health or safety',
  'specialized-government': '§164.512(k) (other than (k)(2) and (k)(5)): specialized government functions',
  'workers-compensation': "§164.512(l): workers' compensation",
  'secretary-investigation': '§164.502(a)(2)(ii): to the Secretary (compliance investigation)',
  'impermissible-disclosure': 'a disclosure not permitted by the Privacy Rule (including a breach)',
} as const;
export type AccountablePurpose = keyof typeof ACCOUNTABLE_PURPOSES;

/** §164.528(a)(1): disclosures the accounting excludes, with the paragraph that excludes them. */
export const EXCLUSIONS = {
  treatment: '§164.528(a)(1)(i): to carry out treatment (§164.506)',
  payment: '§164.528(a)(1)(i): to carry out payment (§164.506)',
  'health-care-operations': '§164.528(a)(1)(i): for health care operations (§164.506)',
  'to-individual': '§164.528(a)(1)(ii): to the individual about themselves (§164.502)',
  incidental: '§164.528(a)(1)(iii): incident to an otherwise permitted use or disclosure',
  authorized: '§164.528(a)(1)(iv): pursuant to an authorization (§164.508)',
  directory: "§164.528(a)(1)(v): for the facility's directory (§164.510)",
  'persons-involved-in-care': "§164.528(a)(1)(v): to persons involved in the individual's care or for notification (§164.510)",
  'national-security': '§164.528(a)(1)(vi): national security or intelligence (§164.512(k)(2))',
  'correctional-custody': '§164.528(a)(1)(vii): to correctional institutions or law-enforcement officials with custody (§164.512(k)(5))',
  'limited-data-set': '§164.528(a)(1)(viii): as part of a limited data set (§164.514(e))',
} as const;
export type Exclusion = keyof typeof EXCLUSIONS;

/** The purposes a suspension may cover (§164.528(a)(2): disclosures under §164.512(d) or (f)). */
export const SUSPENDABLE_PURPOSES: readonly AccountablePurpose[] = ['health-oversight', 'law-enforcement'];

export const STATEMENT_KINDS = ['written', 'oral'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export const MAX_NAME = 200;
export const MAX_ADDRESS = 500;
export const MAX_TEXT = 2000;
/** §164.528(a)(2)(ii): an oral statement suspends for no longer than 30 days. */
export const ORAL_SUSPENSION_MAX_DAYS = 30;
export const ACCOUNTING_YEARS = 6;
const DAY_MS = 86_400_000;

export function isAccountablePurpose(value: string): value is AccountablePurpose {
  return Object.hasOwn(ACCOUNTABLE_PURPOSES, value);
}

export function isExclusion(value: string): value is Exclusion {
  return Object.hasOwn(EXCLUSIONS, value);
}

/** What was disclosed, to whom, and why: the §164.528(b)(2) content, sealed at rest. */
export interface DisclosureContent {
  readonly recipientName: string;
  /** "If known" (§164.528(b)(2)(ii)): null when not known. */
  readonly recipientAddress: string | null;
  /** A brief description of the PHI disclosed. */
  readonly description: string;
  /** A brief statement of the purpose (or a copy of the written request). */
  readonly purposeStatement: string;
}

export interface Disclosure extends DisclosureContent {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly disclosedAt: string;
  readonly purpose: AccountablePurpose;
  readonly recordedAt: string;
  /** The principal id that recorded it (a user, or `cli:<os user>` for the host). */
  readonly recordedBy: string;
}

export interface Suspension {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly agency: string;
  /** The official who made the request, when named. */
  readonly official: string | null;
  readonly statementKind: StatementKind;
  /** The agency's statement that an accounting would be likely to impede its activities. */
  readonly statement: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

/** One line of the accounting: one disclosure, or a §164.528(b)(3) summary of several. */
export interface AccountingEntry {
  readonly disclosedAt: string;
  readonly recipientName: string;
  readonly recipientAddress: string | null;
  readonly description: string;
  readonly purpose: AccountablePurpose;
  readonly purposeText: string;
  readonly purposeStatement: string;
  /** Present when the entry summarizes repeated disclosures (count >= 2). */
  readonly summary: { readonly count: number; readonly firstAt: string; readonly lastAt: string } | null;
}

export interface Accounting {
  readonly patientId: string;
  readonly generatedAt: string;
  readonly from: string;
  readonly to: string;
  readonly entries: readonly AccountingEntry[];
  readonly totalDisclosures: number;
}

/** The start of the six-year window that ends at `now` (same calendar day, six years earlier). */
export function sixYearsBefore(now: Date): Date {
  const start = new Date(now.getTime());
  start.setUTCFullYear(start.getUTCFullYear() - ACCOUNTING_YEARS);
  return start;
}

/** The oldest instant a pruning job may delete before: six years and one day (never younger rows). */
export function retentionCutoff(now: Date): Date {
  return new Date(sixYearsBefore(now).getTime() - DAY_MS);
}

/** Names compare after NFKC, case folding and collapsing spaces. */
export function recipientKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** True when the suspension hides this disclosure at `now` (§164.528(a)(2)). */
export function suspends(s: Suspension, d: Disclosure, now: Date): boolean {
  const t = now.getTime();
  return (
    s.patientId === d.patientId &&
    Date.parse(s.startsAt) <= t &&
    t < Date.parse(s.endsAt) &&
    SUSPENDABLE_PURPOSES.includes(d.purpose) &&
    recipientKey(s.agency) === recipientKey(d.recipientName)
  );
}

/**
 * The accounting an individual receives: disclosures in [from, to], minus those an active
 * suspension hides, oldest first; repeated disclosures to one recipient for one purpose become one
 * summary entry when `summarize` (§164.528(b)(3)).
 */
export function buildAccounting(input: {
  readonly patientId: string;
  readonly now: Date;
  readonly from: Date;
  readonly to: Date;
  readonly disclosures: readonly Disclosure[];
  readonly suspensions: readonly Suspension[];
  readonly summarize: boolean;
}): Accounting {
  const from = input.from.getTime();
  const to = input.to.getTime();
  const visible = input.disclosures
    .filter((d) => d.patientId === input.patientId)
    .filter((d) => {
      const t = Date.parse(d.disclosedAt);
      return t >= from && t <= to;
    })
    .filter((d) => !input.suspensions.some((s) => suspends(s, d, input.now)))
    .sort((a, b) => a.disclosedAt.localeCompare(b.disclosedAt) || a.id.localeCompare(b.id));
  const groups = new Map<string, Disclosure[]>();
  for (const d of visible) {
    const key = input.summarize ? `${recipientKey(d.recipientName)}\u0000${d.purpose}` : d.id;
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  const entries = [...groups.values()].map((group): AccountingEntry => {
    const first = group[0] as Disclosure;
    const last = group[group.length - 1] as Disclosure;
    return {
      disclosedAt: first.disclosedAt,
      recipientName: first.recipientName,
      recipientAddress: first.recipientAddress,
      description: first.description,
      purpose: first.purpose,
      purposeText: ACCOUNTABLE_PURPOSES[first.purpose],
      purposeStatement: first.purposeStatement,
      summary: group.length > 1 ? { count: group.length, firstAt: first.disclosedAt, lastAt: last.disclosedAt } : null,
    };
  });
  return {
    patientId: input.patientId,
    generatedAt: input.now.toISOString(),
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    entries,
    totalDisclosures: visible.length,
  };
}

export interface DisclosureInput {
  readonly disclosedAt: string;
  readonly recipientName: string;
  readonly recipientAddress?: string | null | undefined;
  readonly description: string;
  readonly purpose: string;
  readonly purposeStatement: string;
}

export interface SuspensionInput {
  readonly agency: string;
  readonly official?: string | null | undefined;
  readonly statementKind: string;
  readonly statement: string;
  readonly endsAt: string;
}

/** A problem with the input, in words a person can act on; undefined when valid. */
export type InputProblem = { readonly kind: 'invalid'; readonly message: string } | { readonly kind: 'excluded'; readonly exclusion: Exclusion; readonly message: string };

function text(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  // eslint-disable-next-line no-control-regex
  if ([...trimmed].length === 0 || [...trimmed].length > max || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) return null;
  return trimmed;
}

const invalid = (message: string): InputProblem => ({ kind: 'invalid', message });

/** Checks a disclosure to record; `now` bounds its date (not in the future). */
export function checkDisclosure(input: DisclosureInput, now: Date): { readonly ok: true; readonly value: DisclosureContent & { disclosedAt: string; purpose: AccountablePurpose } } | { readonly ok: false; readonly problem: InputProblem } {
  const fail = (problem: InputProblem) => ({ ok: false as const, problem });
  if (isExclusion(input.purpose)) {
    const exclusion = input.purpose;
    return fail({ kind: 'excluded', exclusion, message: `Not recorded: the accounting of disclosures excludes disclosures ${EXCLUSIONS[exclusion]}.` });
  }
  if (!isAccountablePurpose(input.purpose)) return fail(invalid(`purpose must be one of ${Object.keys(ACCOUNTABLE_PURPOSES).join(', ')}`));
  const at = Date.parse(input.disclosedAt);
  if (!Number.isFinite(at) || !/^\d{4}-\d{2}-\d{2}T/.test(input.disclosedAt)) return fail(invalid('disclosedAt must be an ISO-8601 date and time'));
  if (at > now.getTime() + 60_000) return fail(invalid('disclosedAt must not be in the future'));
  const recipientName = text(input.recipientName, MAX_NAME);
  if (recipientName === null) return fail(invalid(`recipientName must be 1 to ${MAX_NAME} characters`));
  const recipientAddress = input.recipientAddress === undefined || input.recipientAddress === null || input.recipientAddress.trim() === '' ? null : text(input.recipientAddress, MAX_ADDRESS);
  if (recipientAddress === null && input.recipientAddress !== undefined && input.recipientAddress !== null && input.recipientAddress.trim() !== '') return fail(invalid(`recipientAddress must be at most ${MAX_ADDRESS} characters`));
  const description = text(input.description, MAX_TEXT);
  if (description === null) return fail(invalid(`description (of the PHI disclosed) must be 1 to ${MAX_TEXT} characters`));
  const purposeStatement = text(input.purposeStatement, MAX_TEXT);
  if (purposeStatement === null) return fail(invalid(`purposeStatement must be 1 to ${MAX_TEXT} characters`));
  return { ok: true, value: { disclosedAt: new Date(at).toISOString(), recipientName, recipientAddress, description, purpose: input.purpose, purposeStatement } };
}

/** Checks a suspension; an oral statement may suspend for at most 30 days from `now`. */
export function checkSuspension(input: SuspensionInput, now: Date): { readonly ok: true; readonly value: Omit<Suspension, 'id' | 'orgId' | 'patientId' | 'recordedAt' | 'recordedBy' | 'startsAt'> } | { readonly ok: false; readonly problem: InputProblem } {
  const fail = (message: string) => ({ ok: false as const, problem: invalid(message) });
  const agency = text(input.agency, MAX_NAME);
  if (agency === null) return fail(`agency must be 1 to ${MAX_NAME} characters`);
  const official = input.official === undefined || input.official === null || input.official.trim() === '' ? null : text(input.official, MAX_NAME);
  if (official === null && input.official !== undefined && input.official !== null && input.official.trim() !== '') return fail(`official must be at most ${MAX_NAME} characters`);
  if (!(STATEMENT_KINDS as readonly string[]).includes(input.statementKind)) return fail(`statementKind must be one of ${STATEMENT_KINDS.join(', ')}`);
  const statement = text(input.statement, MAX_TEXT);
  if (statement === null) return fail(`statement must be 1 to ${MAX_TEXT} characters`);
  const end = Date.parse(input.endsAt);
  if (!Number.isFinite(end) || !/^\d{4}-\d{2}-\d{2}/.test(input.endsAt)) return fail('endsAt must be an ISO-8601 date and time');
  if (end <= now.getTime()) return fail('endsAt must be in the future');
  const statementKind = input.statementKind as StatementKind;
  if (statementKind === 'oral' && end > now.getTime() + ORAL_SUSPENSION_MAX_DAYS * DAY_MS) {
    return fail(`an oral statement suspends for at most ${ORAL_SUSPENSION_MAX_DAYS} days (§164.528(a)(2)(ii)); record the written statement for longer`);
  }
  return { ok: true, value: { agency, official, statementKind, statement, endsAt: new Date(end).toISOString() } };
}
