import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { minuteOf } from './telemetry-store.js';

const slow = (iso: string) => new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString();

test('ok/minuteOf cuts a stored time at its minute, as parsing and flooring would', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
      const iso = d.toISOString();
      assert.equal(minuteOf(iso), slow(iso));
    }),
  );
  assert.equal(minuteOf('2026-11-28T12:34:56.789Z'), '2026-11-28T12:34:00.000Z');
});

test('ok/minuteOf parses any other form (no milliseconds, an offset)', () => {
  assert.equal(minuteOf('2026-11-28T12:34:56Z'), '2026-11-28T12:34:00.000Z');
  assert.equal(minuteOf('2026-11-28T13:34:56.000+01:00'), '2026-11-28T12:34:00.000Z');
});
