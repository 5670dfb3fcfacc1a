/**
 * Notification clocks: which notices an incident owes, to whom, by when. Pure functions, no I/O.
 *
 * HIPAA Breach Notification Rule (45 CFR 164.400-414):
 * - §164.402: a breach is presumed unless a four-factor risk assessment shows a low probability
 *   that the PHI was compromised; PHI sealed/encrypted with an uncompromised key is not
 *   "unsecured PHI" (HHS guidance under §13402(h) HITECH), so no notice is owed.
 * - §164.404: individuals without unreasonable delay, at the latest 60 calendar days after
 *   discovery; §164.404(d)(2): substitute notice when contact details are missing (10 or more:
 *   a conspicuous web posting for 90 days or major media, with a toll-free number).
 * - §164.406: prominent media outlets when more than 500 residents of one State are affected,
 *   within the same 60 days.
 * - §164.408: the Secretary (HHS) contemporaneously with the individual notices when 500 or more
 *   are affected; otherwise within 60 days after the end of the calendar year of discovery
 *   (counted here from 00:00 on 1 January of the next year, in the organization's time zone).
 * - §164.410: a business associate notifies the covered entity within 60 days; the notices above
 *   are then the covered entity's to send.
 * - §164.412: a law-enforcement delay pauses the clocks for the period it specifies.
 * FDA (device maker): 21 CFR 806.10 report of a correction or removal within 10 working days;
 * postmarket cybersecurity guidance path instead (communicate within 30 days, fix within 60 days,
 * ISAO member, no known serious adverse event or death); MDR 21 CFR 803.30 user facility 10 work
 * days, 803.50 manufacturer 30 calendar days, 803.53 5 work days when remedial action is needed.
 *
 * MUST: calendar rules are counted in the organization's IANA time zone (default UTC): working days
 *       skip Saturdays, Sundays and the organization's listed holidays (local dates); "N days" and
 *       "N working days" keep the local time of day; the calendar year of §164.408(c) is the local
 *       one and its deadline is local midnight 60 days after 1 January. Elapsed-time clocks (hours,
 *       the law-enforcement pause) do not depend on the zone.
 * MUST: every obligation that does not apply is still listed, as not-required with its reason.
 */

import { addLocalDays, fromWallClock, localDate, wallClock } from './zoned-time.js';

export type ObligationStatus = 'pending' | 'sent' | 'acknowledged' | 'not-required';

export interface Obligation {
  readonly id: string;
  readonly rule: string;
  readonly recipient: string;
  /** ISO deadline, or null when not required. */
  readonly dueAt: string | null;
  readonly status: ObligationStatus;
  readonly reason: string | null;
}

export interface RiskAssessment {
  /** Factor 1: nature and extent of the PHI (identifiers, sensitivity, likelihood of re-identification). */
  readonly natureAndExtent: 'low' | 'high';
  /** Factor 2: the unauthorized person who used the PHI or to whom it was disclosed. */
  readonly unauthorizedPerson: 'low' | 'high';
  /** Factor 3: whether the PHI was actually acquired or viewed. */
  readonly acquiredOrViewed: 'low' | 'high';
  /** Factor 4: the extent to which the risk has been mitigated. */
  readonly mitigation: 'low' | 'high';
  /** The PHI involved was sealed/encrypted and its key was not compromised. */
  readonly securedPhi: boolean;
  readonly rationale: string;
}

export type BreachConclusion = 'breach' | 'low-probability' | 'secured-phi';

export function conclude(a: RiskAssessment): BreachConclusion {
  if (a.securedPhi) return 'secured-phi';
  const factors = [a.natureAndExtent, a.unauthorizedPerson, a.acquiredOrViewed, a.mitigation];
  return factors.every((f) => f === 'low') ? 'low-probability' : 'breach';
}

export interface ClockInput {
  readonly discoveredAt: string;
  readonly assessment: RiskAssessment | null;
  /** Individuals whose unsecured PHI was involved (the blast radius' patients). */
  readonly affected: number;
  /** Affected individuals by State of residence. */
  readonly residentsByState: Readonly<Record<string, number>>;
  /** Affected individuals without usable contact details. */
  readonly missingContacts: number;
  /** The operator is a business associate of the covered entity. */
  readonly businessAssociate: boolean;
  /** Law enforcement asked for a delay (§164.412): [from, until]. */
  readonly lawEnforcementDelay: { readonly from: string; readonly until: string } | null;
  readonly fda: {
    readonly deviceMaker: boolean;
    readonly correctionOrRemoval: boolean;
    readonly cybersecurityPath: boolean;
    readonly deathOrSeriousInjury: boolean;
    readonly userFacility: boolean;
    readonly remedialAction: boolean;
  } | null;
  /** Local dates (YYYY-MM-DD, in timeZone) that are not working days. */
  readonly holidays: ReadonlySet<string>;
  /** The organization's IANA time zone for the calendar rules (default UTC). */
  readonly timeZone?: string;
  /** Per-organization clocks (GDPR Art. 33 72 h, NIS2 24 h / 72 h / 1 month...). */
  readonly custom: ReadonlyArray<{ readonly id: string; readonly recipient: string; readonly hours?: number; readonly workingDays?: number; readonly months?: number }>;
}

const DAY = 86_400_000;

/** Whether the local date of `date` in `timeZone` is a working day (not Saturday, Sunday or a listed holiday). */
export function isWorkingDay(date: Date, holidays: ReadonlySet<string>, timeZone = 'UTC'): boolean {
  const local = new Date(wallClock(date.getTime(), timeZone));
  const day = local.getUTCDay();
  return day !== 0 && day !== 6 && !holidays.has(local.toISOString().slice(0, 10));
}

/** The time `n` working days after `start` (same local time of day; non-working local dates are not counted). */
export function addWorkingDays(start: Date, n: number, holidays: ReadonlySet<string>, timeZone = 'UTC'): Date {
  let local = wallClock(start.getTime(), timeZone);
  let counted = 0;
  while (counted < n) {
    local += DAY;
    const day = new Date(local).getUTCDay();
    if (day !== 0 && day !== 6 && !holidays.has(new Date(local).toISOString().slice(0, 10))) counted += 1;
  }
  return new Date(fromWallClock(local, timeZone));
}

/** Calendar days later (same local time of day in the zone). */
export function addDays(start: Date, n: number, timeZone = 'UTC'): Date {
  return new Date(addLocalDays(start.getTime(), n, timeZone));
}

/** Calendar months later in the zone, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(start: Date, n: number, timeZone = 'UTC'): Date {
  const d = new Date(wallClock(start.getTime(), timeZone));
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return new Date(fromWallClock(d.getTime(), timeZone));
}

/** §164.408(c): 60 days after the end of the (local) calendar year of discovery, at local midnight. */
export function yearEndDeadline(discovered: Date, timeZone = 'UTC'): Date {
  const year = Number(localDate(discovered.getTime(), timeZone).slice(0, 4));
  return new Date(fromWallClock(Date.UTC(year + 1, 0, 1) + 60 * DAY, timeZone));
}

export function obligations(input: ClockInput): Obligation[] {
  const discovered = new Date(input.discoveredAt);
  const zone = input.timeZone ?? 'UTC';
  const pause = input.lawEnforcementDelay ? Math.max(0, Date.parse(input.lawEnforcementDelay.until) - Math.max(Date.parse(input.lawEnforcementDelay.from), discovered.getTime())) : 0;
  const paused = (d: Date) => new Date(d.getTime() + pause).toISOString();
  const out: Obligation[] = [];
  const due = (id: string, rule: string, recipient: string, at: Date, isPaused = true): void => {
    out.push({ id, rule, recipient, dueAt: isPaused ? paused(at) : at.toISOString(), status: 'pending', reason: null });
  };
  const notRequired = (id: string, rule: string, recipient: string, reason: string): void => {
    out.push({ id, rule, recipient, dueAt: null, status: 'not-required', reason });
  };

  const conclusion = input.assessment ? conclude(input.assessment) : 'breach';
  const hipaa: Array<[string, string, string]> = [
    ['hipaa-individuals', '45 CFR 164.404', 'affected individuals'],
    ['hipaa-hhs', '45 CFR 164.408', 'HHS Secretary'],
    ['hipaa-media', '45 CFR 164.406', 'prominent media outlets'],
  ];
  const sixty = addDays(discovered, 60, zone);
  if (input.affected === 0 || conclusion !== 'breach') {
    const reason = input.affected === 0 ? 'no individual PHI involved' : conclusion === 'secured-phi' ? 'PHI was secured (sealed with an uncompromised key): not unsecured PHI (§164.402)' : 'four-factor assessment: low probability of compromise (§164.402(2))';
    for (const [id, rule, recipient] of [...hipaa, ['hipaa-covered-entity', '45 CFR 164.410', 'covered entity'] as [string, string, string]]) notRequired(id, rule, recipient, reason);
  } else if (input.businessAssociate) {
    due('hipaa-covered-entity', '45 CFR 164.410', 'covered entity', sixty);
    for (const [id, rule, recipient] of hipaa) notRequired(id, rule, recipient, 'business associate: the covered entity notifies (§164.410)');
  } else {
    notRequired('hipaa-covered-entity', '45 CFR 164.410', 'covered entity', 'the operator is the covered entity');
    due('hipaa-individuals', '45 CFR 164.404', 'affected individuals', sixty);
    if (input.missingContacts > 0) due('hipaa-substitute-notice', '45 CFR 164.404(d)(2)', input.missingContacts >= 10 ? 'web posting or major media (90 days)' : 'alternative written or telephone notice', sixty);
    if (input.affected >= 500) due('hipaa-hhs', '45 CFR 164.408(b)', 'HHS Secretary', sixty);
    else due('hipaa-hhs', '45 CFR 164.408(c)', 'HHS Secretary (annual log)', yearEndDeadline(discovered, zone));
    const states = Object.entries(input.residentsByState).filter(([, n]) => n > 500).map(([s]) => s).sort();
    if (states.length === 0) notRequired('hipaa-media', '45 CFR 164.406', 'prominent media outlets', 'no State has more than 500 affected residents');
    for (const state of states) due(`hipaa-media-${state}`, '45 CFR 164.406', `prominent media outlets in ${state}`, sixty);
  }

  const fda = input.fda;
  if (fda?.deviceMaker === true && fda.correctionOrRemoval) {
    if (fda.cybersecurityPath && !fda.deathOrSeriousInjury) {
      notRequired('fda-806', '21 CFR 806.10', 'FDA', 'postmarket cybersecurity path taken instead (no serious adverse event, ISAO member)');
      due('fda-cyber-communicate', 'FDA postmarket cybersecurity guidance', 'customers and users', addDays(discovered, 30, zone), false);
      due('fda-cyber-fix', 'FDA postmarket cybersecurity guidance', 'customers and users (fix)', addDays(discovered, 60, zone), false);
    } else due('fda-806', '21 CFR 806.10', 'FDA', addWorkingDays(discovered, 10, input.holidays, zone), false);
  }
  if (fda?.deathOrSeriousInjury === true) {
    if (fda.userFacility) due('fda-mdr-803-30', '21 CFR 803.30', 'FDA and the manufacturer', addWorkingDays(discovered, 10, input.holidays, zone), false);
    if (fda.deviceMaker) {
      due('fda-mdr-803-50', '21 CFR 803.50', 'FDA', addDays(discovered, 30, zone), false);
      if (fda.remedialAction) due('fda-mdr-803-53', '21 CFR 803.53', 'FDA', addWorkingDays(discovered, 5, input.holidays, zone), false);
    }
  }
  for (const c of input.custom) {
    const at = c.hours !== undefined ? new Date(discovered.getTime() + c.hours * 3_600_000) : c.workingDays !== undefined ? addWorkingDays(discovered, c.workingDays, input.holidays, zone) : addMonths(discovered, c.months ?? 1, zone);
    due(`custom-${c.id}`, `organization clock ${c.id}`, c.recipient, at, false);
  }
  return out;
}

/** Fractions of the time left at which a reminder goes out (half, a quarter, a tenth left). */
export const REMINDER_FRACTIONS = [0.5, 0.25, 0.1] as const;

/**
 * What is due now for a pending obligation: the reminder fractions whose moment has passed and
 * were not sent yet (the caller sends one reminder and records them all), and whether it is overdue.
 */
export function dueReminders(o: { openedAt: string; dueAt: string; remindersSent: readonly number[] }, now: Date): { passed: number[]; overdue: boolean } {
  const start = Date.parse(o.openedAt);
  const end = Date.parse(o.dueAt);
  const t = now.getTime();
  const passed = REMINDER_FRACTIONS.filter((f) => !o.remindersSent.includes(f) && t >= end - f * (end - start) && t < end);
  return { passed, overdue: t >= end };
}
