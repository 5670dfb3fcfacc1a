import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, toCsv } from './csv-rfc4180.js';
import { bucketsBetween, isDisclosureAction, resolveRange } from './model.js';
import { PlatformMetrics } from './platform-metrics.js';
import { RequestCounter } from './request-counter.js';
import { ManualClock } from '../../kernel/index.js';
import type { RequestCount, UsageStore } from './store.js';

const injection: Array<[string, string]> = [
  ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
  ['+1+2', "'+1+2"],
  ['-2+3', "'-2+3"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\tcmd', "'\tcmd"],
];
for (const [input, expected] of injection) {
  test(`ok/csv formula injection is neutralised: ${JSON.stringify(input)}`, () => {
    assert.equal(csvCell(input), expected);
  });
}

test('ok/csv RFC 4180: quotes, commas, line breaks, CRLF rows, numbers and nulls', () => {
  const csv = toCsv(['a', 'b', 'c'], [
    { a: 'plain', b: 'with,comma', c: 'say "hi"' },
    { a: 'two\nlines', b: -3, c: null },
  ]);
  assert.equal(csv, 'a,b,c\r\nplain,"with,comma","say ""hi"""\r\n"two\nlines",-3,\r\n');
});

test('ok/disclosure actions are reads of data', () => {
  for (const a of ['patients.record.read', 'patients.record.list', 'fhir.observation.search', 'clinical.vitals.stream']) assert.equal(isDisclosureAction(a), true, a);
  for (const a of ['patients.record.create', 'patients.care_team.update', 'compliance.disclosures.view']) assert.equal(isDisclosureAction(a), false, a);
});

test('ok+fail/report ranges: defaults, order and span', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  assert.deepEqual(resolveRange({}, now, 1, 31), { from: '2026-02-28T12:00:00.000Z', to: '2026-03-01T12:00:00.000Z' });
  assert.throws(() => resolveRange({ from: '2026-03-02T00:00:00Z' }, now, 1, 31), { code: 'USAGE_RANGE_INVALID' });
  assert.throws(() => resolveRange({ from: '2025-01-01T00:00:00Z' }, now, 1, 31), { code: 'USAGE_RANGE_INVALID' });
  assert.throws(() => resolveRange({ to: 'yesterday' }, now, 1, 31), { code: 'USAGE_RANGE_INVALID' });
  assert.deepEqual(bucketsBetween({ from: '2026-03-01T10:30:00.000Z', to: '2026-03-01T12:10:00.000Z' }, 'hour'), ['2026-03-01T10', '2026-03-01T11', '2026-03-01T12']);
});

test('ok/request counter: aggregates by hour and pattern; a failed flush keeps the counts', async () => {
  const written: RequestCount[][] = [];
  let fail = true;
  const store = {
    addRequestCounts: (rows: readonly RequestCount[]) => {
      if (fail) return Promise.reject(new Error('db down'));
      written.push([...rows]);
      return Promise.resolve();
    },
  } as unknown as UsageStore;
  const clock = new ManualClock(new Date('2026-03-01T10:59:00Z'));
  const counter = new RequestCounter(() => store, clock);
  const sample = { method: 'GET', route: '/api/v1/patients/:id', statusCode: 200, orgId: 'o', userId: 'u' };
  counter.record(sample);
  counter.record(sample);
  await assert.rejects(counter.flush());
  counter.record(sample);
  clock.advance(120_000);
  counter.record({ ...sample, statusCode: 404 });
  fail = false;
  assert.equal(await counter.flush(), 4);
  const rows = written[0]!.map((r) => `${r.hour} ${r.route} ${r.statusClass} ${r.count}`).sort();
  assert.deepEqual(rows, ['2026-03-01T10:00:00.000Z /api/v1/patients/:id 2xx 3', '2026-03-01T11:00:00.000Z /api/v1/patients/:id 4xx 1']);
  assert.equal(await counter.flush(), 0);
});

test('ok/metrics: own registry, request and login counters, module counters at scrape', async () => {
  const metrics = new PlatformMetrics({
    ingest: () => ({ stored: 5, duplicate: 1, replay: 2 }),
    brokerRefusals: () => ({ 'foreign-ca': 3 }),
    brokerConnections: () => 7,
    auditHeadSeq: () => Promise.resolve(42),
    securityEventsByType: () => Promise.resolve({ 'ingest.replay': 2 }),
  });
  metrics.observeRequest({ method: 'POST', route: '/api/v1/auth/login', statusCode: 401 });
  metrics.observeRequest({ method: 'GET', route: '/api/v1/patients/:id', statusCode: 200 });
  const text = await metrics.text();
  assert.match(text, /vigil_http_requests_total\{method="GET",route="\/api\/v1\/patients\/:id",status="200"\} 1/);
  assert.match(text, /vigil_logins_total\{outcome="failure"\} 1/);
  assert.match(text, /vigil_ingest_messages_total\{result="accepted",reason="stored"\} 5/);
  assert.match(text, /vigil_ingest_messages_total\{result="rejected",reason="replay"\} 2/);
  assert.match(text, /vigil_broker_refusals_total\{reason="foreign-ca"\} 3/);
  assert.match(text, /vigil_broker_connections 7/);
  assert.match(text, /vigil_audit_head_seq 42/);
  assert.match(text, /vigil_security_events_total\{type="ingest.replay"\} 2/);
  // A second instance does not share the first one's registry.
  assert.doesNotMatch(await new PlatformMetrics({}).text(), /vigil_http_requests_total\{/);
});
