/**
 * The organization's maintenance window (issue 13, rollouts): the days and local hours in which
 * devices bound to a patient may install firmware, in the organization's IANA time zone (the one
 * its incident settings name; UTC by default). Every campaign of the organization applies it
 * unless the campaign sets its own window (UTC hours) or overrides windows altogether. Pure rules.
 *
 * MUST: hours are whole hours 0..23, [start, end) wraps past midnight when end <= start (the part
 *       after midnight belongs to the day the window opened); at least one day; days are unique.
 * MUST: "now" is read on the organization's wall clock, so the window follows daylight saving.
 */
import { AppError } from '../kernel/index.js';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OrgMaintenanceWindow {
  /** The days on which the window opens (local). */
  readonly days: readonly Weekday[];
  readonly startHour: number;
  readonly endHour: number;
}

/** The stored setting with who set it. */
export interface OrgMaintenanceWindowSetting extends OrgMaintenanceWindow {
  readonly orgId: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

function invalid(message: string): AppError {
  return new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: message });
}

/** Validates a window from the API or the CLI; days in week order. */
export function checkOrgWindow(input: { readonly days: readonly string[]; readonly startHour: number; readonly endHour: number }): OrgMaintenanceWindow {
  const days = input.days.map((d) => d.trim().toLowerCase().slice(0, 3));
  const unknown = days.filter((d) => !(WEEKDAYS as readonly string[]).includes(d));
  if (days.length === 0 || unknown.length > 0) throw invalid(`The maintenance window needs days among ${WEEKDAYS.join(', ')}${unknown.length > 0 ? ` (not ${unknown.join(', ')})` : ''}.`);
  if (new Set(days).size !== days.length) throw invalid('Name each day of the maintenance window once.');
  for (const h of [input.startHour, input.endHour]) if (!Number.isInteger(h) || h < 0 || h > 23) throw invalid('The maintenance window hours are whole hours 0..23 (local time).');
  if (input.startHour === input.endHour) throw invalid('The maintenance window must not be empty: the start and end hours differ.');
  return { days: WEEKDAYS.filter((d) => days.includes(d)), startHour: input.startHour, endHour: input.endHour };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local weekday and hour at `now` in `timeZone` (an IANA name; the runtime's Intl data). */
export function localDayHour(now: Date, timeZone: string): { readonly day: Weekday; readonly hour: number } {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(now);
  const day = (parts.find((p) => p.type === 'weekday')?.value ?? 'Sun').toLowerCase().slice(0, 3) as Weekday;
  return { day, hour: Number(parts.find((p) => p.type === 'hour')?.value ?? 0) };
}

/** Whether `now` is inside the organization's window, on its wall clock in `timeZone`. */
export function inOrgWindow(window: OrgMaintenanceWindow, timeZone: string, now: Date): boolean {
  const { day, hour } = localDayHour(now, timeZone);
  const open = (d: Weekday) => window.days.includes(d);
  if (window.startHour < window.endHour) return open(day) && hour >= window.startHour && hour < window.endHour;
  // Wraps past midnight: the evening part on an open day, the morning part after an open day.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7] as Weekday;
  return (hour >= window.startHour && open(day)) || (hour < window.endHour && open(yesterday));
}

/** "mon,tue 22-4 Europe/Berlin": how the window is shown and sent to devices. */
export function describeOrgWindow(window: OrgMaintenanceWindow, timeZone: string): string {
  return `${window.days.join(',')} ${window.startHour}-${window.endHour} ${timeZone}`;
}
