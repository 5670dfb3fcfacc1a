/** The checkpoint witness writer: appends only new committed checkpoints, survives a torn line, forwards to syslog. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuditCheckpoint } from '@vigil/protocol';
import { parseWitness, type AuditReader } from '../audit/index.js';
import { validate } from '../config/index.js';
import { formatCheckpointRfc5424, syslogCheckpointForwarder, witnessCheckpoints, witnessPath } from './audit-trail.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-witness-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const cp = (seq: number): AuditCheckpoint => ({ seq, hash: 'a'.repeat(64), time: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), keyId: 'audit-1', signature: 'c2ln' });

function readerOf(checkpoints: AuditCheckpoint[]): () => AuditReader {
  const reader = {
    checkpointsAfter: (after: number) => Promise.resolve(checkpoints.filter((c) => c.seq > after)),
  } as unknown as AuditReader;
  return () => reader;
}

test('ok/appends only checkpoints beyond the last witnessed line, 0600, and a torn last line does not swallow the next', async () => {
  const config = validate({ dataDir: dir }).config;
  const path = witnessPath(config, dir);
  const checkpoints = [cp(5), cp(10)];
  assert.deepEqual((await witnessCheckpoints(config, dir, readerOf(checkpoints))).map((c) => c.seq), [5, 10]);
  assert.deepEqual(await witnessCheckpoints(config, dir, readerOf(checkpoints)), [], 'nothing new');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  await writeFile(path, `${await readFile(path, 'utf8')}{"kind":"checkpoint","seq":15,"ha`); // a crash mid-write
  checkpoints.push(cp(15), cp(20));
  assert.deepEqual((await witnessCheckpoints(config, dir, readerOf(checkpoints))).map((c) => c.seq), [15, 20]);
  const text = await readFile(path, 'utf8');
  const parsed = parseWitness(text);
  assert.deepEqual(parsed.entries.map((c) => c.seq), [5, 10, 15, 20]);
  assert.equal(parsed.tornLines, 1, 'the torn line stays on its own line, counted and skipped');
  assert.throws(() => parseWitness(`${text}{"kind":"event"}\n`), /line 6 is not a witnessed checkpoint/);
});

test('ok/each new checkpoint goes to the syslog collector as an RFC 5424 message, octet-counted', async () => {
  const received: string[] = [];
  const server = createServer((socket) => {
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    socket.on('end', () => received.push(data));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const port = (server.address() as AddressInfo).port;
    const sub = await mkdtemp(join(dir, 'syslog-'));
    const config = validate({ dataDir: sub, audit: { witnessSyslog: { host: '127.0.0.1', port, transport: 'tcp', insecure: true } } }).config;
    const forward = syslogCheckpointForwarder(config, () => new Date(Date.UTC(2026, 0, 2)));
    assert.ok(forward);
    await witnessCheckpoints(config, sub, readerOf([cp(7)]), forward);
    while (received.length < 1) await new Promise((r) => setTimeout(r, 10));
    const message = formatCheckpointRfc5424(cp(7), 10, new Date(Date.UTC(2026, 0, 2)));
    assert.equal(received[0], `${Buffer.byteLength(message)} ${message}`);
    assert.match(message, /^<86>1 2026-01-02T00:00:00.000Z \S+ vigil \d+ audit-checkpoint \[vigil@32473 seq="7" hash="a{64}"/);
  } finally {
    server.close();
  }
});

test('fail/plain TCP to the collector without the insecure flag is refused', async () => {
  const config = validate({ dataDir: dir, audit: { witnessSyslog: { host: '127.0.0.1', port: 9, transport: 'tcp' } } }).config;
  const forward = syslogCheckpointForwarder(config);
  assert.ok(forward);
  await assert.rejects(forward([cp(1)]), /plain TCP needs the insecure flag/);
});
