import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addWorkingDays, conclude, dueReminders, isWorkingDay, obligations, yearEndDeadline, type ClockInput, type RiskAssessment } from './clocks.js';

const HIGH: RiskAssessment = { natureAndExtent: 'high', unauthorizedPerson: 'high', acquiredOrViewed: 'high', mitigation: 'low', securedPhi: false, rationale: 'records viewed by an outsider' };
const base = (over: Partial<ClockInput> = {}): ClockInput => ({
  discoveredAt: '2026-03-02T10:00:00.000Z',
  assessment: HIGH,
  affected: 10,
  residentsByState: {},
  missingContacts: 0,
  businessAssociate: false,
  lawEnforcementDelay: null,
  fda: null,
  holidays: new Set(),
  custom: [],
  ...over,
});
const DAY = 86_400_000;
const discovery = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true });
const byId = (list: ReturnType<typeof obligations>, id: string) => list.find((o) => o.id === id);

test('property/HHS: 500 or more is contemporaneous (60 days); fewer is 60 days after the year end', () => {
  fc.assert(
    fc.property(discovery, fc.integer({ min: 1, max: 100_000 }), (d, affected) => {
      const list = obligations(base({ discoveredAt: d.toISOString(), affected }));
      const hhs = byId(list, 'hipaa-hhs');
      const individuals = byId(list, 'hipaa-individuals');
      assert.equal(individuals?.dueAt, new Date(d.getTime() + 60 * DAY).toISOString());
      if (affected >= 500) assert.equal(hhs?.dueAt, individuals?.dueAt);
      else {
        const due = new Date(hhs?.dueAt ?? '');
        assert.equal(due.getUTCFullYear(), d.getUTCFullYear() + 1);
        assert.equal(due.getTime(), Date.UTC(d.getUTCFullYear() + 1, 0, 1) + 60 * DAY);
        assert.ok(due.getTime() > d.getTime());
      }
    }),
  );
});

test('property/media: exactly the States with more than 500 residents affected', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('CA', 'NY', 'TX', 'WA', 'MA'), fc.integer({ min: 0, max: 2000 })), (states) => {
      const affected = Object.values(states).reduce((a, b) => a + b, 0) || 1;
      const list = obligations(base({ affected, residentsByState: states }));
      const media = list.filter((o) => o.id.startsWith('hipaa-media-')).map((o) => o.id.slice('hipaa-media-'.length));
      assert.deepEqual(media, Object.keys(states).filter((s) => (states[s] ?? 0) > 500).sort());
      if (media.length === 0) assert.equal(byId(list, 'hipaa-media')?.status, 'not-required');
    }),
  );
});

test('property/working days: n working days later is a working day, skips every weekend day and holiday, and spans n working days', () => {
  fc.assert(
    fc.property(discovery, fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }), (d, n, offsets) => {
      const holidays = new Set(offsets.map((o) => new Date(d.getTime() + o * DAY).toISOString().slice(0, 10)));
      const due = addWorkingDays(d, n, holidays);
      assert.ok(isWorkingDay(due, holidays));
      let counted = 0;
      for (let t = d.getTime() + DAY; t <= due.getTime(); t += DAY) if (isWorkingDay(new Date(t), holidays)) counted += 1;
      assert.equal(counted, n);
      assert.equal(due.getUTCHours(), d.getUTCHours());
      assert.ok(due.getTime() - d.getTime() >= n * DAY && due.getTime() - d.getTime() <= (n * 7) / 5 * DAY + (holidays.size + 3) * DAY);
    }),
  );
});

test('property/FDA: 806.10 in 10 working days, 803.53 in 5, 803.50 in 30 calendar days; the cybersecurity path replaces 806', () => {
  fc.assert(
    fc.property(discovery, fc.boolean(), fc.boolean(), (d, cyber, remedial) => {
      const fda = { deviceMaker: true, correctionOrRemoval: true, cybersecurityPath: cyber, deathOrSeriousInjury: !cyber, userFacility: false, remedialAction: remedial };
      const list = obligations(base({ discoveredAt: d.toISOString(), fda }));
      if (cyber) {
        assert.equal(byId(list, 'fda-806')?.status, 'not-required');
        assert.equal(byId(list, 'fda-cyber-communicate')?.dueAt, new Date(d.getTime() + 30 * DAY).toISOString());
        assert.equal(byId(list, 'fda-cyber-fix')?.dueAt, new Date(d.getTime() + 60 * DAY).toISOString());
      } else {
        assert.equal(byId(list, 'fda-806')?.dueAt, addWorkingDays(d, 10, new Set()).toISOString());
        assert.equal(byId(list, 'fda-mdr-803-50')?.dueAt, new Date(d.getTime() + 30 * DAY).toISOString());
        assert.equal(byId(list, 'fda-mdr-803-53')?.dueAt, remedial ? addWorkingDays(d, 5, new Set()).toISOString() : undefined);
      }
    }),
  );
});

test('property/law-enforcement delay pauses the HIPAA clocks by its length; FDA clocks are not paused', () => {
  fc.assert(
    fc.property(discovery, fc.integer({ min: 1, max: 90 }), (d, days) => {
      const delay = { from: d.toISOString(), until: new Date(d.getTime() + days * DAY).toISOString() };
      const list = obligations(base({ discoveredAt: d.toISOString(), lawEnforcementDelay: delay, fda: { deviceMaker: true, correctionOrRemoval: true, cybersecurityPath: false, deathOrSeriousInjury: false, userFacility: false, remedialAction: false } }));
      assert.equal(byId(list, 'hipaa-individuals')?.dueAt, new Date(d.getTime() + (60 + days) * DAY).toISOString());
      assert.equal(byId(list, 'fda-806')?.dueAt, addWorkingDays(d, 10, new Set()).toISOString());
    }),
  );
});

test('ok/four factors: secured PHI and low probability are not breaches, each with its reason; a business associate owes the covered entity only', () => {
  assert.equal(conclude({ ...HIGH, securedPhi: true }), 'secured-phi');
  assert.equal(conclude({ ...HIGH, natureAndExtent: 'low', unauthorizedPerson: 'low', acquiredOrViewed: 'low' }), 'low-probability');
  const secured = obligations(base({ assessment: { ...HIGH, securedPhi: true } }));
  assert.ok(secured.filter((o) => o.id.startsWith('hipaa-')).every((o) => o.status === 'not-required' && (o.reason ?? '').includes('§164.402')));
  const ba = obligations(base({ businessAssociate: true }));
  assert.equal(byId(ba, 'hipaa-covered-entity')?.status, 'pending');
  assert.equal(byId(ba, 'hipaa-individuals')?.status, 'not-required');
  const missing = obligations(base({ missingContacts: 12 }));
  assert.equal(byId(missing, 'hipaa-substitute-notice')?.recipient, 'web posting or major media (90 days)');
});

test('ok/custom clocks: GDPR 72 h, NIS2 24 h / 72 h / one month (clamped to the month end)', () => {
  const list = obligations(base({ discoveredAt: '2026-01-31T08:00:00.000Z', custom: [{ id: 'gdpr-33', recipient: 'supervisory authority', hours: 72 }, { id: 'nis2-early', recipient: 'CSIRT', hours: 24 }, { id: 'nis2-final', recipient: 'CSIRT', months: 1 }] }));
  assert.equal(byId(list, 'custom-gdpr-33')?.dueAt, '2026-02-03T08:00:00.000Z');
  assert.equal(byId(list, 'custom-nis2-early')?.dueAt, '2026-02-01T08:00:00.000Z');
  assert.equal(byId(list, 'custom-nis2-final')?.dueAt, '2026-02-28T08:00:00.000Z');
  assert.equal(yearEndDeadline(new Date('2027-06-01T00:00:00Z')).toISOString(), '2028-03-01T00:00:00.000Z');
});

test('ok/reminders at half, a quarter and a tenth of the time left; overdue at the deadline', () => {
  const o = { openedAt: '2026-01-01T00:00:00.000Z', dueAt: '2026-01-11T00:00:00.000Z', remindersSent: [] as number[] };
  const at = (days: number) => new Date(Date.parse(o.openedAt) + days * DAY);
  assert.deepEqual(dueReminders(o, at(4.9)), { passed: [], overdue: false });
  assert.deepEqual(dueReminders(o, at(5)), { passed: [0.5], overdue: false });
  assert.deepEqual(dueReminders({ ...o, remindersSent: [0.5] }, at(7.5)), { passed: [0.25], overdue: false });
  assert.deepEqual(dueReminders(o, at(9.5)), { passed: [0.5, 0.25, 0.1], overdue: false });
  assert.deepEqual(dueReminders(o, at(10)), { passed: [], overdue: true });
});
