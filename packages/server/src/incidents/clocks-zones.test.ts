/**
 * Per-organization time zones in the notification clocks: property tests over the runtime's IANA
 * zones and generated discovery times, checked against independent readings of the local
 * calendar (Intl.DateTimeFormat in the zone), plus worked examples across daylight-saving changes
 * and the year end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addDays, addWorkingDays, obligations, yearEndDeadline, type ClockInput, type RiskAssessment } from './clocks.js';
import { isValidTimeZone } from './zoned-time.js';

const ZONES = Intl.supportedValuesOf('timeZone');
const zone = fc.constantFrom(...ZONES, 'UTC');
const discovery = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The local calendar fields at `at` in `tz`, read straight from Intl (the oracle). */
function local(at: Date, tz: string): { date: string; weekday: string; minutes: number; year: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts['year']}-${parts['month']}-${parts['day']}`, weekday: parts['weekday'] ?? '', minutes: Number(parts['hour']) * 60 + Number(parts['minute']), year: Number(parts['year']) };
}

const plusDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const weekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
/** The local time of day moves only by a daylight-saving gap (at most 2 h forward), never back. */
const sameTimeOfDay = (a: number, b: number) => b === a || (b > a && b - a <= 120);

test('property/working days: N working local dates later, a working day, the same local time of day', () => {
  fc.assert(
    fc.property(zone, discovery, fc.integer({ min: 1, max: 15 }), fc.array(fc.integer({ min: 0, max: 25 }), { maxLength: 4 }), (tz, d, n, offsets) => {
      const start = local(d, tz);
      const holidays = new Set(offsets.map((o) => plusDays(start.date, o)));
      const due = addWorkingDays(d, n, holidays, tz);
      const end = local(due, tz);
      assert.ok(!weekend(end.date) && !holidays.has(end.date), `${tz}: ${end.date} is a working day`);
      let counted = 0;
      for (let day = plusDays(start.date, 1); day <= end.date; day = plusDays(day, 1)) if (!weekend(day) && !holidays.has(day)) counted += 1;
      assert.equal(counted, n, `${tz}: ${n} working days from ${start.date} to ${end.date}`);
      assert.ok(sameTimeOfDay(start.minutes, end.minutes), `${tz}: time of day ${start.minutes} -> ${end.minutes}`);
    }),
    { numRuns: 300 },
  );
});

test('property/calendar days: 60 local dates later at the same local time of day', () => {
  fc.assert(
    fc.property(zone, discovery, fc.constantFrom(30, 60), (tz, d, n) => {
      const due = addDays(d, n, tz);
      assert.equal(local(due, tz).date, plusDays(local(d, tz).date, n));
      assert.ok(sameTimeOfDay(local(d, tz).minutes, local(due, tz).minutes));
    }),
    { numRuns: 300 },
  );
});

test('property/year end (§164.408(c)): local midnight 60 days after 1 January following the local year of discovery', () => {
  fc.assert(
    fc.property(zone, discovery, (tz, d) => {
      const due = yearEndDeadline(d, tz);
      const year = local(d, tz).year + 1;
      const end = local(due, tz);
      assert.equal(end.date, plusDays(`${year}-01-01`, 60));
      assert.ok(end.minutes < 120, `${tz}: at local midnight (or just after a gap at midnight): ${end.minutes}`);
      assert.ok(local(new Date(due.getTime() - 3 * HOUR), tz).date < end.date || end.minutes > 0, 'the first instant of that local date');
      assert.ok(due.getTime() > d.getTime());
    }),
    { numRuns: 300 },
  );
});

test('property/the zone moves deadlines, never which obligations apply', () => {
  const breach: RiskAssessment = { natureAndExtent: 'high', unauthorizedPerson: 'high', acquiredOrViewed: 'high', mitigation: 'low', securedPhi: false, rationale: 'viewed' };
  fc.assert(
    fc.property(zone, discovery, fc.integer({ min: 0, max: 2000 }), fc.boolean(), (tz, d, affected, ba) => {
      const input: ClockInput = { discoveredAt: d.toISOString(), assessment: breach, affected, residentsByState: { CA: affected }, missingContacts: 0, businessAssociate: ba, lawEnforcementDelay: null, fda: { deviceMaker: true, correctionOrRemoval: true, cybersecurityPath: false, deathOrSeriousInjury: true, userFacility: true, remedialAction: true }, holidays: new Set(), custom: [] };
      const shape = (list: ReturnType<typeof obligations>) => list.map((o) => [o.id, o.status, o.rule]);
      const zoned = obligations({ ...input, timeZone: tz });
      assert.deepEqual(shape(zoned), shape(obligations(input)));
      for (const o of zoned) if (o.dueAt !== null) assert.ok(Date.parse(o.dueAt) > d.getTime());
    }),
    { numRuns: 200 },
  );
});

test('ok/examples: across a DST change, a Friday evening that is Saturday in UTC, the year end in Tokyo', () => {
  // New York: Friday 6 March 2026 17:00 EST; clocks go forward on 8 March; 10 working days later is Friday 20 March 17:00 EDT.
  assert.equal(addWorkingDays(new Date('2026-03-06T22:00:00Z'), 10, new Set(), 'America/New_York').toISOString(), '2026-03-20T21:00:00.000Z');
  assert.equal(addWorkingDays(new Date('2026-03-06T22:00:00Z'), 10, new Set()).toISOString(), '2026-03-20T22:00:00.000Z', 'UTC keeps 22:00');
  // Los Angeles: Friday 23:30 PST is Saturday 07:30 UTC; one working day is Monday 23:30 PDT locally, Monday 07:30 in UTC.
  assert.equal(addWorkingDays(new Date('2026-03-07T07:30:00Z'), 1, new Set(), 'America/Los_Angeles').toISOString(), '2026-03-10T06:30:00.000Z');
  assert.equal(addWorkingDays(new Date('2026-03-07T07:30:00Z'), 1, new Set()).toISOString(), '2026-03-09T07:30:00.000Z');
  // A local holiday counts in the zone: Monday 9 March off in Los Angeles moves it to Tuesday.
  assert.equal(addWorkingDays(new Date('2026-03-07T07:30:00Z'), 1, new Set(['2026-03-09']), 'America/Los_Angeles').toISOString(), '2026-03-11T06:30:00.000Z');
  // Tokyo: 31 December 20:00 UTC is already 1 January 2027 there: the year end is that of 2027, and 2028 is a leap year.
  assert.equal(yearEndDeadline(new Date('2026-12-31T20:00:00Z'), 'Asia/Tokyo').toISOString(), '2028-02-29T15:00:00.000Z');
  assert.equal(yearEndDeadline(new Date('2026-12-31T20:00:00Z')).toISOString(), '2027-03-02T00:00:00.000Z');
  // Berlin: 02:30 on 29 March 2026 does not exist; it moves forward by the gap to 03:30 CEST.
  assert.equal(addDays(new Date('2026-03-28T01:30:00Z'), 1, 'Europe/Berlin').toISOString(), '2026-03-29T01:30:00.000Z');
  // Berlin: 02:30 on 25 October 2026 happens twice; the earlier (CEST) is taken.
  assert.equal(addDays(new Date('2026-10-24T00:30:00Z'), 1, 'Europe/Berlin').toISOString(), '2026-10-25T00:30:00.000Z');
});

test('fail/time zones: offsets, abbreviations and unknown names are refused', () => {
  for (const bad of ['', '+01:00', 'UTC+1', 'EST', 'Mars/Olympus', 'Europe/Nowhere', 'europe/berlin', '../etc/passwd', 'America/New_York\n']) assert.equal(isValidTimeZone(bad), false, JSON.stringify(bad));
  for (const good of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata', 'Pacific/Chatham']) assert.equal(isValidTimeZone(good), true, good);
});
