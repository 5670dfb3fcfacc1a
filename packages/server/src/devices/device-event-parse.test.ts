import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeviceEvent } from '@vigil/protocol';

const ok = { v: 1, id: 'evt-1', ts: '2026-12-01T10:00:00.000Z', kind: 'alarm', code: 'lead-off', severity: 'high' };

test('ok/a well-formed device event parses', () => {
  const parsed = parseDeviceEvent(ok);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, ok);
});

test('fail/malformed device events are refused with a reason', () => {
  const cases: Array<[unknown, string]> = [
    [null, 'malformed'],
    [[ok], 'malformed'],
    [{ ...ok, v: 2 }, 'malformed'],
    [{ ...ok, message: 'SpO2 82 for patient X' }, 'unknown-field'],
    [{ ...ok, id: '' }, 'bad-id'],
    [{ ...ok, id: 'x'.repeat(65) }, 'bad-id'],
    [{ ...ok, ts: 'yesterday' }, 'bad-timestamp'],
    [{ ...ok, ts: '2026-12-01T10:00:00+02:00' }, 'bad-timestamp'],
    [{ ...ok, kind: 'panic' }, 'bad-kind'],
    [{ ...ok, code: 'Lead Off' }, 'bad-code'],
    [{ ...ok, severity: 'urgent' }, 'bad-severity'],
    [{ ...ok, ['__proto__']: { polluted: true } }, 'malformed'],
  ];
  for (const [input, reason] of cases) {
    const parsed = parseDeviceEvent(input);
    assert.equal(parsed.ok, false, JSON.stringify(input));
    if (!parsed.ok) assert.ok(parsed.reason === reason || (reason === 'malformed' && parsed.reason === 'unknown-field'), `${JSON.stringify(input)}: ${parsed.reason}`);
  }
});
