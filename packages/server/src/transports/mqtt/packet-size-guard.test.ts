import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MqttFrameScanner } from './packet-size-guard.js';

/** The MQTT 3.1.1 §2.2.3 Remaining Length encoding. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

function packet(bodyBytes: number): Buffer {
  return Buffer.from([0x30, ...remainingLength(bodyBytes), ...new Array<number>(bodyBytes).fill(0x61)]);
}

test('ok/packets at or under the limit pass, whatever the chunking', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1024 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 97 }), (sizes, chunk) => {
      const stream = Buffer.concat(sizes.map(packet));
      const scanner = new MqttFrameScanner(1024);
      for (let i = 0; i < stream.length; i += chunk) assert.equal(scanner.scan(stream.subarray(i, i + chunk)), 0);
    }),
  );
});

test('fail/a packet over the limit is caught from its header, before its body', () => {
  const scanner = new MqttFrameScanner(1024);
  assert.equal(scanner.scan(packet(10)), 0);
  const big = packet(70_000);
  // The scan stops at the first length byte that already exceeds the limit.
  assert.ok(scanner.scan(big.subarray(0, 4)) > 1024);
});

test('fail/a 5-byte Remaining Length is malformed', () => {
  const scanner = new MqttFrameScanner(Number.MAX_SAFE_INTEGER);
  assert.equal(scanner.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])), -1);
});
