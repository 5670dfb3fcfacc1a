import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createTestPki } from './testing/test-pki.js';
import { startEnrollServer, startTestBroker } from './testing/test-servers.js';

const BIN = fileURLToPath(new URL('../bin/vigil-sim.js', import.meta.url));

test('ok/vigil-sim enrols, streams vitals, prints the episode schedule, and stops cleanly on Ctrl-C (exit 0)', async (t) => {
  const pki = await createTestPki();
  const broker = await startTestBroker(pki);
  const enrollServer = await startEnrollServer(pki, broker.port);
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sim-cli-'));
  t.after(async () => {
    await enrollServer.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });
  const caFile = join(dir, 'root.pem');
  await writeFile(caFile, pki.root.certPem);
  const tokens = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
  for (const token of tokens) enrollServer.tokens.add(token);
  const child = spawn(
    process.execPath,
    [BIN, '--url', enrollServer.url, '--mqtt-url', broker.url, '--ca', caFile, '--state-dir', join(dir, 'state'), '--devices', '2', '--rate', '10', '--token', tokens.join(','), '--print-episodes', '--duration', '1h', '--seed', 'cli'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (broker.received.length < 20) {
    assert.ok(Date.now() < deadline, `no telemetry from vigil-sim: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /stopped; queued=\d+ acked=\d+ pending=0/);
  assert.doesNotMatch(stderr + stdout, new RegExp(tokens.join('|')), 'tokens are never printed');
  const schedule = stdout.trim().split('\n').map((line) => JSON.parse(line) as { device: number; kind: string; start: string });
  assert.ok(schedule.length > 0, 'an hour of two devices has episodes');
  assert.ok(schedule.every((e) => e.device === 0 || e.device === 1));
});
