import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { enroll } from './enroll.js';
import { createTestPki } from './testing/test-pki.js';
import { startEnrollServer, startTestBroker } from './testing/test-servers.js';
import { VigilDevice } from './vigil-device.js';

const CHILD = fileURLToPath(new URL('./testing/crash-child.js', import.meta.url));

test('ok/kill -9 at random moments, 5 times: every reading reported durable is delivered, and no seq is ever reused', async (t) => {
  const pki = await createTestPki();
  const broker = await startTestBroker(pki);
  const enrollServer = await startEnrollServer(pki, broker.port);
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sdk-crash-'));
  t.after(async () => {
    await enrollServer.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  const caFile = join(dir, 'root.pem');
  await writeFile(caFile, pki.root.certPem);
  const token = randomBytes(8).toString('hex');
  enrollServer.tokens.add(token);
  const stateDir = join(dir, 'state');
  await enroll({ url: enrollServer.url, token, serial: 'SN-CRASH', caCertificate: pki.root.certPem, stateDir });

  const durable: number[] = [];
  const firstSeqOfRun: number[] = [];
  for (let run = 0; run < 5; run++) {
    const child = spawn(process.execPath, [CHILD, stateDir, caFile, broker.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    let started = false;
    let seenInRun = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'started') started = true;
        const match = /^durable (\d+)$/.exec(line);
        if (match) {
          const seq = Number(match[1]);
          if (seenInRun++ === 0) firstSeqOfRun.push(seq);
          durable.push(seq);
        }
      }
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 20_000;
    while (!started || seenInRun < 40) {
      assert.ok(Date.now() < deadline, 'the child makes progress');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 300)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
  }

  // Seqs handed out after a crash are above every seq handed out before it.
  for (let run = 1; run < firstSeqOfRun.length; run++) {
    const before = Math.max(...durable.slice(0, durable.indexOf(firstSeqOfRun[run] as number)));
    assert.ok((firstSeqOfRun[run] as number) > before, `run ${run} starts at ${firstSeqOfRun[run]}, after ${before}`);
  }

  // A last, orderly run drains the outbox.
  const device = await VigilDevice.open({ stateDir, caCertificate: pki.root.certPem, mqttUrl: broker.url, backoff: { initialMs: 50, maxMs: 200 } });
  device.start();
  assert.equal(await device.waitForDrain(20_000), true);
  await device.close();

  const payloadBySeq = new Map<number, string>();
  for (const m of broker.received) {
    const envelope = JSON.parse(m.payload) as TelemetryEnvelope;
    const previous = payloadBySeq.get(envelope.seq);
    // At-least-once: a redelivery after a crash is the same message (same seq, same bytes).
    assert.ok(previous === undefined || previous === m.payload, `seq ${envelope.seq} was used for two different messages`);
    payloadBySeq.set(envelope.seq, m.payload);
  }
  const missing = durable.filter((seq) => !payloadBySeq.has(seq));
  assert.deepEqual(missing, [], 'every reading reported durable reached the broker');
  assert.ok(durable.length >= 200);
});
