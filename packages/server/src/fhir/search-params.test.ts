/** FHIR search parameters: date prefixes at their precision, codes, counts, sorts; refusals. Table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../kernel/index.js';
import { decodeCursor, encodeCursor } from './paging-cursor.js';
import { MAX_COUNT, onlyParams, parseCodes, parseCount, parseDateRange, parsePatientRef, parseSort, type RawQuery } from './search-params.js';
import { observationsOfMessage, parseObservationId, type VitalReading } from './vital-signs.js';

const invalid = (e: unknown) => isAppError(e) && e.code === 'FHIR_SEARCH_INVALID';

describe('FHIR search parameters', () => {
  const ranges: Array<[string, string[], { from?: string; to?: string }]> = [
    ['ok/ge a day', ['ge2026-01-02'], { from: '2026-01-02T00:00:00.000Z' }],
    ['ok/gt a day is after the whole day', ['gt2026-01-02'], { from: '2026-01-03T00:00:00.000Z' }],
    ['ok/le a day includes the whole day', ['le2026-01-02'], { to: '2026-01-03T00:00:00.000Z' }],
    ['ok/lt a day', ['lt2026-01-02'], { to: '2026-01-02T00:00:00.000Z' }],
    ['ok/eq (no prefix) a month', ['2026-02'], { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }],
    ['ok/a minute with an offset', ['eq2026-01-02T10:05+01:00'], { from: '2026-01-02T09:05:00.000Z', to: '2026-01-02T09:06:00.000Z' }],
    ['ok/a second', ['2026-01-02T10:05:07Z'], { from: '2026-01-02T10:05:07.000Z', to: '2026-01-02T10:05:08.000Z' }],
    ['ok/a range by repeating', ['ge2026-01-01T00:00:00Z', 'lt2026-01-02T00:00:00Z'], { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' }],
    ['ok/repeats narrow', ['ge2026-01-01', 'ge2026-01-05', 'lt2026-02-01', 'lt2026-01-20'], { from: '2026-01-05T00:00:00.000Z', to: '2026-01-20T00:00:00.000Z' }],
  ];
  for (const [name, date, range] of ranges) it(name, () => assert.deepEqual(parseDateRange({ date }), range));

  const bad: Array<[string, () => unknown]> = [
    ['fail/date without zone', () => parseDateRange({ date: 'ge2026-01-02T10:00' })],
    ['fail/date words', () => parseDateRange({ date: 'yesterday' })],
    ['fail/date prefix unknown', () => parseDateRange({ date: 'sa2026-01-02' })],
    ['fail/five dates', () => parseDateRange({ date: ['2026', '2026', '2026', '2026', '2026'] })],
    ['fail/code not a vital sign', () => parseCodes({ code: '1234-5' })],
    ['fail/code of another system', () => parseCodes({ code: 'http://snomed.info/sct|8867-4' })],
    ['fail/_count zero', () => parseCount({ _count: '0' })],
    ['fail/_count text', () => parseCount({ _count: 'ten' })],
    ['fail/_sort by value', () => parseSort({ _sort: 'value' })],
    ['fail/patient reference of another type', () => parsePatientRef('Device/abc')],
    ['fail/unknown parameter', () => onlyParams({ color: 'red' } as RawQuery, ['patient'])],
    ['fail/_format xml', () => onlyParams({ _format: 'xml' }, ['patient'])],
    ['fail/cursor garbage', () => decodeCursor('AAAA')],
    ['fail/cursor of the wrong shape', () => decodeCursor(Buffer.from('["n","2026-01-01T00:00:00Z","../x",1,0]').toString('base64url'))],
  ];
  for (const [name, call] of bad) it(name, () => assert.throws(call, invalid));

  it('ok/codes, counts, sorts, references', () => {
    assert.deepEqual(parseCodes({ code: 'http://loinc.org|8867-4,59408-5,85354-9' }), ['8867-4', '59408-5', '85354-9']);
    assert.deepEqual(parseCodes({ code: '|8310-5' }), ['8310-5']);
    assert.equal(parseCount({}), 100);
    assert.equal(parseCount({ _count: '5000' }), MAX_COUNT);
    assert.equal(parseSort({ _sort: '-date' }), 'desc');
    assert.equal(parsePatientRef('Patient/abc-1'), 'abc-1');
    const cursor = { direction: 'previous' as const, key: { measuredAt: '2026-01-01T00:00:00.000Z', deviceId: 'dev-00000001', seq: 7 }, k: 2 };
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  });
});

describe('vital-signs Observations', () => {
  const r = (idx: number, metric: string, value: number): VitalReading => ({
    patientId: 'p-1',
    deviceId: 'dev-00000001',
    seq: 9,
    idx,
    metric,
    value,
    measuredAt: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:01.000Z',
  });

  it('ok/systolic and diastolic of one message make one panel, at the later reading', () => {
    const obs = observationsOfMessage([r(0, '8462-4', 80), r(1, '8867-4', 70), r(2, '8480-6', 120)]);
    assert.deepEqual(obs.map((o) => o.id), ['dev-00000001.9.1', 'dev-00000001.9.bp']);
    const panel = obs[1];
    assert.deepEqual(panel?.component?.map((c) => [c.code.coding[0]?.code, c.valueQuantity.value]), [['8480-6', 120], ['8462-4', 80]]);
    assert.equal(panel?.valueQuantity, undefined);
  });

  it('ok/an unpaired systolic stays its own Observation; unknown metrics are skipped', () => {
    const obs = observationsOfMessage([r(0, '8480-6', 120), r(1, '1234-5', 1)]);
    assert.deepEqual(obs.map((o) => [o.id, o.code.coding[0]?.code]), [['dev-00000001.9.0', '8480-6']]);
  });

  it('ok/ids parse back to their reading key; other strings do not', () => {
    assert.deepEqual(parseObservationId('dev-00000001.9.bp'), { kind: 'panel', deviceId: 'dev-00000001', seq: 9 });
    assert.deepEqual(parseObservationId('dev-00000001.9.3'), { kind: 'single', deviceId: 'dev-00000001', seq: 9, idx: 3 });
    for (const bad of ['', 'x.1.1', 'dev-00000001.9', 'dev-00000001.9.x', 'dev_0000001.1.1', `${'a'.repeat(62)}.1.1`]) assert.equal(parseObservationId(bad), undefined, bad);
  });
});
