/**
 * Calendar arithmetic in an organization's IANA time zone (for the notification clocks'
 * working-day, calendar-day and year-end rules), on the runtime's Intl time-zone data. No I/O.
 *
 * MUST: a zone is accepted only when it is an IANA name the runtime knows (Area/Location or UTC);
 *       offsets such as "+01:00" and abbreviations such as "EST" are refused.
 * MUST: a local wall-clock time that does not exist (a daylight-saving gap) moves forward by the
 *       length of the gap (02:30 in a 02:00-03:00 gap is 03:30, as Temporal's "compatible"); one
 *       that exists twice (the hour repeated in autumn) resolves to the earlier instant.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

const ZONE_NAME = /^(UTC|[A-Z][A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/;

export function isValidTimeZone(zone: string): boolean {
  if (!ZONE_NAME.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time at `instant` in `timeZone`, as milliseconds of a UTC date with the same fields. */
export function wallClock(instant: number, timeZone: string): number {
  if (timeZone === 'UTC') return instant;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0) + ms;
}

const DAY = 86_400_000;

/** The instant at which the wall clock of `timeZone` shows `local` (see the MUST above for gaps and repeats). */
export function fromWallClock(local: number, timeZone: string): number {
  if (timeZone === 'UTC') return local;
  const before = local - (wallClock(local - DAY, timeZone) - (local - DAY));
  const after = local - (wallClock(local + DAY, timeZone) - (local + DAY));
  const exact = [before, after].filter((t) => wallClock(t, timeZone) === local);
  if (exact.length > 0) return Math.min(...exact);
  // In a gap: read with the offset from before the jump, i.e. moved forward by the gap's length.
  return Math.max(before, after);
}

/** Calendar days later in the zone, at the same wall-clock time. */
export function addLocalDays(instant: number, days: number, timeZone: string): number {
  return fromWallClock(wallClock(instant, timeZone) + days * DAY, timeZone);
}

/** The zone's local date (YYYY-MM-DD) at `instant`. */
export function localDate(instant: number, timeZone: string): string {
  return new Date(wallClock(instant, timeZone)).toISOString().slice(0, 10);
}
