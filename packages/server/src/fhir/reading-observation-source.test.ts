/**
 * ReadingObservationSource over an in-memory reading store: paging forwards and backwards returns
 * every Observation exactly once, in order, for any page size, sort and code filter (fast-check);
 * the PHI rule refuses and audits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AuditWriter } from '../audit/index.js';
import { AppError, isAppError, ManualClock, newId, type RequestContext } from '../kernel/index.js';
import type { ObservationPage } from './observation-source.js';
import { ReadingObservationSource } from './reading-observation-source.js';
import type { FhirReadScope, PatientReadingStore, ReadingPageQuery } from './store.js';
import { metricsForCodes, observationCode, observationsOfMessage, type VitalReading } from './vital-signs.js';

const ORG = newId();
const PATIENT = newId();
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

function tuple(r: VitalReading): [string, string, number] {
  return [r.measuredAt, r.deviceId, r.seq];
}
function cmp(a: [string, string, number], b: [string, string, number]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] - b[2];
}

class MemoryReadings implements PatientReadingStore {
  constructor(private readonly rows: readonly VitalReading[]) {}
  page(_orgId: string, patientId: string, q: ReadingPageQuery): Promise<VitalReading[]> {
    const sign = q.order === 'asc' ? 1 : -1;
    const start = q.start ? ([q.start.measuredAt, q.start.deviceId, q.start.seq] as [string, string, number]) : undefined;
    const out = this.rows
      .filter((r) => r.patientId === patientId && (!q.metrics || q.metrics.includes(r.metric)))
      .filter((r) => (q.from === undefined || r.measuredAt >= q.from) && (q.to === undefined || r.measuredAt < q.to))
      .filter((r) => !start || sign * cmp(tuple(r), start) >= 0)
      .sort((a, b) => sign * cmp(tuple(a), tuple(b)) || a.idx - b.idx)
      .slice(0, q.limit);
    return Promise.resolve(out);
  }
  message(_orgId: string, patientId: string, deviceId: string, seq: number): Promise<VitalReading[]> {
    return Promise.resolve(this.rows.filter((r) => r.patientId === patientId && r.deviceId === deviceId && r.seq === seq));
  }
  devicesOf(): Promise<string[]> {
    return Promise.resolve([]);
  }
  patientOfMessage(_orgId: string, deviceId: string, seq: number): Promise<string | undefined> {
    return Promise.resolve(this.rows.find((r) => r.deviceId === deviceId && r.seq === seq)?.patientId);
  }
}

const doctorId = newId();
const ctx = (userId = doctorId): RequestContext => ({
  principal: { kind: 'user', id: userId, orgId: ORG, username: 'doc', roles: ['clinician'], sessionId: 's', mfa: true },
  requestId: 'r',
  source: '127.0.0.1',
});

function source(rows: readonly VitalReading[], audit: string[] = []) {
  const recorder: AuditWriter = {
    record: (_ctx, e) => {
      audit.push(`${e.action}:${e.outcome ?? ''}:${e.reason ?? ''}`);
      return Promise.resolve(undefined as never);
    },
  };
  const scope: FhirReadScope = {
    readings: new MemoryReadings(rows),
    patients: { get: (orgId, id) => Promise.resolve(orgId === ORG && id === PATIENT ? { id, orgId, mrnIndex: 'x', sealed: {} as never, createdAt: '', createdBy: '', updatedAt: '' } : undefined) },
    careTeams: { members: () => Promise.resolve([{ userId: doctorId, role: 'primary' }]) },
    training: {
      listForUser: (_o, userId) =>
        Promise.resolve([{ id: 't', orgId: ORG, userId, course: 'hipaa-privacy', completedAt: '2025-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z', recordedAt: '', recordedBy: '' }]),
    },
    breakGlass: { activeFor: () => Promise.resolve([]) },
    devices: { find: () => Promise.resolve(undefined) },
    audit: recorder,
  };
  return new ReadingObservationSource({ uow: { run: (fn) => fn(scope) }, clock });
}

const METRICS = ['8867-4', '59408-5', '8480-6', '8462-4', '8310-5'];
const DEVICES = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];

/** Messages: a device, a time (minutes; shared times across devices on purpose) and a set of metrics. */
const messagesArb = fc.array(
  fc.record({ device: fc.constantFrom(...DEVICES), minute: fc.integer({ min: 0, max: 30 }), metrics: fc.subarray(METRICS, { minLength: 1 }) }),
  { maxLength: 40 },
);

function rowsOf(messages: readonly { device: string; minute: number; metrics: readonly string[] }[]): VitalReading[] {
  const seqs = new Map<string, number>();
  return messages.flatMap((m) => {
    const seq = (seqs.get(m.device) ?? 0) + 1;
    seqs.set(m.device, seq);
    const at = new Date(Date.parse('2025-12-31T00:00:00Z') + m.minute * 60_000).toISOString();
    return m.metrics.map((metric, idx) => ({ patientId: PATIENT, deviceId: m.device, seq, idx, metric, value: 50 + idx, measuredAt: at, receivedAt: at }));
  });
}

/** What a search must return: every Observation of every message, in (time, device, seq) order. */
function expected(rows: readonly VitalReading[], sort: 'asc' | 'desc', codes?: readonly string[]): string[] {
  const byMessage = new Map<string, VitalReading[]>();
  for (const r of rows) byMessage.set(`${r.measuredAt}|${r.deviceId}|${String(r.seq).padStart(6, '0')}`, [...(byMessage.get(`${r.measuredAt}|${r.deviceId}|${String(r.seq).padStart(6, '0')}`) ?? []), r]);
  const keys = [...byMessage.keys()].sort();
  if (sort === 'desc') keys.reverse();
  return keys.flatMap((k) =>
    observationsOfMessage(byMessage.get(k) ?? [])
      .filter((o) => !codes || codes.includes(observationCode(o)))
      .map((o) => o.id),
  );
}

async function walk(src: ReadingObservationSource, count: number, sort: 'asc' | 'desc', codes?: string[]) {
  const pages: ObservationPage[] = [];
  let page = await src.search(ctx(), { patientId: PATIENT, count, sort, ...(codes ? { codes } : {}) });
  pages.push(page);
  while (page.next !== undefined && pages.length < 500) {
    page = await src.search(ctx(), { patientId: PATIENT, count, sort, cursor: page.next, ...(codes ? { codes } : {}) });
    pages.push(page);
  }
  return pages;
}

describe('ReadingObservationSource', () => {
  it('ok/paging forwards returns every Observation once, in order; previous pages mirror them (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        messagesArb,
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        fc.option(fc.subarray(['8867-4', '85354-9', '8480-6', '8462-4', '8310-5'], { minLength: 1 }), { nil: undefined }),
        async (messages, count, sort, codes) => {
          const rows = rowsOf(messages);
          const src = source(rows);
          const pages = await walk(src, count, sort, codes);
          const ids = pages.flatMap((p) => p.observations.map((o) => o.id));
          assert.deepEqual(ids, expected(rows, sort, codes));
          for (const p of pages.slice(0, -1)) assert.equal(p.observations.length, count, 'every page but the last is full');
          assert.equal(pages[0]?.previous, undefined);
          // Walking back from each page gives the page before it.
          for (let i = 1; i < pages.length; i++) {
            const previous = pages[i]?.previous;
            assert.ok(previous, `page ${i} has a previous link`);
            const back = await src.search(ctx(), { patientId: PATIENT, count, sort, cursor: previous, ...(codes ? { codes } : {}) });
            assert.deepEqual(
              back.observations.map((o) => o.id),
              pages[i - 1]?.observations.map((o) => o.id),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('ok/metricsForCodes reads both blood-pressure parts for the panel or either part', () => {
    assert.deepEqual(metricsForCodes(['85354-9']).sort(), ['8462-4', '8480-6']);
    assert.deepEqual(metricsForCodes(['8867-4']), ['8867-4']);
  });

  it('fail/no care relationship: FHIR_RESOURCE_NOT_FOUND, audited as denied', async () => {
    const audit: string[] = [];
    const src = source(rowsOf([{ device: DEVICES[0] ?? '', minute: 1, metrics: ['8867-4'] }]), audit);
    const stranger = newId();
    await assert.rejects(src.search(ctx(stranger), { patientId: PATIENT, count: 10, sort: 'asc' }), (e: unknown) => isAppError(e) && e.code === 'FHIR_RESOURCE_NOT_FOUND');
    await assert.rejects(src.search(ctx(), { patientId: newId(), count: 10, sort: 'asc' }), (e: unknown) => isAppError(e) && e.code === 'FHIR_RESOURCE_NOT_FOUND');
    assert.deepEqual(audit, ['fhir.observation.search:denied:care-relationship-required', 'fhir.observation.search:denied:not-found']);
  });

  it('fail/a service principal may not read PHI here', async () => {
    const service: RequestContext = { principal: { kind: 'service', id: 's', orgId: ORG, scopes: ['fhir:read'], tokenId: 't' }, requestId: 'r', source: 'x' };
    await assert.rejects(source([]).search(service, { patientId: PATIENT, count: 1, sort: 'asc' }), (e: unknown) => e instanceof AppError && e.code === 'PATIENTS_PHI_PRINCIPAL_REQUIRED');
  });
});
