/**
 * Usage tracking: report shapes and pure rules (time ranges, what counts as a disclosure).
 *
 * MUST: reports hold ids, names of users, counts, times and route patterns; never PHI values.
 * MUST: a disclosure (HIPAA §164.528 accounting) is an audited, successful access to one
 *       patient's record: target type 'patient' and an action whose verb reads data
 *       (read, list, search, stream, export). Reading the accounting itself is recorded as
 *       'compliance.disclosures.view', which is not a disclosure of the patient's data.
 */
import { AppError } from '../../kernel/index.js';

export interface UserActivity {
  readonly userId: string;
  readonly username: string;
  readonly logins: number;
  readonly failedLogins: number;
  readonly apiCalls: number;
  readonly phiReads: number;
  readonly lastActiveAt: string | null;
}

export interface UsagePoint {
  readonly t: string;
  readonly logins: number;
  readonly apiCalls: number;
  readonly activeDevices: number;
  readonly messagesIngested: number;
}

export interface PlatformUsage {
  readonly series: UsagePoint[];
  readonly routes: Array<{ readonly route: string; readonly count: number }>;
}

export interface Disclosure {
  readonly at: string;
  readonly userId: string;
  readonly username: string | null;
  readonly action: string;
  readonly route: string | null;
  readonly basis: string | null;
  readonly grantId: string | null;
  readonly reason: string | null;
  readonly fields: string | null;
}

export type UsageInterval = 'hour' | 'day';

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/** The verbs (last action segment) that disclose a patient's data when the target is a patient. */
export const DISCLOSURE_VERBS = ['read', 'list', 'search', 'stream', 'export'] as const;

export function isDisclosureAction(action: string): boolean {
  const verb = action.slice(action.lastIndexOf('.') + 1);
  return (DISCLOSURE_VERBS as readonly string[]).includes(verb);
}

/** The HTTP route behind an audited action, where one route records it. */
const ROUTE_OF_ACTION: Readonly<Record<string, string>> = {
  'patients.record.read': 'GET /api/v1/patients/:id',
  'patients.record.list': 'GET /api/v1/patients',
};

export function routeOfAction(action: string): string | null {
  return ROUTE_OF_ACTION[action] ?? null;
}

const DAY_MS = 86_400_000;

/** Checks and defaults a report range: `to` defaults to now, `from` to `to - defaultDays`; at most `maxDays`. */
export function resolveRange(input: { from?: string | undefined; to?: string | undefined }, now: Date, defaultDays: number, maxDays: number): TimeRange {
  const parse = (value: string, what: string): Date => {
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) throw new AppError('USAGE_RANGE_INVALID', { publicMessage: `${what} is not an ISO-8601 time.` });
    return d;
  };
  const to = input.to === undefined ? now : parse(input.to, 'to');
  const from = input.from === undefined ? new Date(to.getTime() - defaultDays * DAY_MS) : parse(input.from, 'from');
  if (from.getTime() >= to.getTime()) throw new AppError('USAGE_RANGE_INVALID', { publicMessage: 'from must be before to.' });
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) throw new AppError('USAGE_RANGE_INVALID', { publicMessage: `The range may span at most ${maxDays} days.` });
  return { from: from.toISOString(), to: to.toISOString() };
}

/** The start of the hour of an instant, as stored in request buckets: 'YYYY-MM-DDTHH:00:00.000Z'. */
export function hourOf(at: Date): string {
  return `${at.toISOString().slice(0, 13)}:00:00.000Z`;
}

/** The bucket key length of an interval in ISO text ('YYYY-MM-DDTHH' or 'YYYY-MM-DD'). */
export function bucketPrefixLength(interval: UsageInterval): 13 | 10 {
  return interval === 'hour' ? 13 : 10;
}

export function bucketTime(prefix: string, interval: UsageInterval): string {
  return interval === 'hour' ? `${prefix}:00:00.000Z` : `${prefix}T00:00:00.000Z`;
}

/** Every bucket start from `from` (floored) up to `to` (inclusive bounds, as the queries), so that quiet periods show as zeros. */
export function bucketsBetween(range: TimeRange, interval: UsageInterval): string[] {
  const step = interval === 'hour' ? 3_600_000 : DAY_MS;
  const length = bucketPrefixLength(interval);
  const start = new Date(bucketTime(range.from.slice(0, length), interval)).getTime();
  const end = new Date(range.to).getTime();
  const out: string[] = [];
  for (let t = start; t <= end; t += step) out.push(new Date(t).toISOString().slice(0, length));
  return out;
}
