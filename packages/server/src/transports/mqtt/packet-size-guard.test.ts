import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import fc from 'fast-check';
import { GuardedConnection, MqttFrameScanner } from './packet-size-guard.js';

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

test('ok/packets written in one turn of the event loop leave in one socket write, in order', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = new Socket();
  client.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = await accepted;
  try {
    // Counts the writes the socket hands to its handle: one _writev for a corked burst, one _write per packet otherwise.
    let handleWrites = 0;
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (...args: Parameters<typeof write>) => {
      handleWrites += 1;
      write(...args);
    };
    if (writev) {
      socket._writev = (...args: Parameters<typeof writev>) => {
        handleWrites += 1;
        writev(...args);
      };
    }
    const conn = new GuardedConnection(socket as unknown as TLSSocket, 1024, () => undefined);
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const pubacks = [1, 2, 3, 4, 5].map((id) => Buffer.from([0x40, 0x02, 0x00, id]));
    for (const p of pubacks) conn.write(p);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(handleWrites, 1);
    while (Buffer.concat(received).length < 20) await once(client, 'data');
    assert.deepEqual(Buffer.concat(received), Buffer.concat(pubacks));
    // A later turn is a new burst.
    conn.write(Buffer.from([0x40, 0x02, 0x00, 0x06]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(handleWrites, 2);
  } finally {
    client.destroy();
    socket.destroy();
    server.close();
  }
});
