import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { type CommandAck, deviceTopic, parseTelemetry } from '@vigil/protocol';
import { createTestPki } from './testing/test-pki.js';
import { startEnrollServer, startTestBroker } from './testing/test-servers.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const DIST = fileURLToPath(new URL('.', import.meta.url));

test('ok/the README example device (under 40 lines) enrols, sends vitals and answers a command', async (t) => {
  const readme = await readFile(README, 'utf8');
  const example = /```js\n([\s\S]+?)```/.exec(readme)?.[1];
  assert.ok(example !== undefined);
  assert.ok(example.trim().split('\n').length < 40, 'the example stays under 40 lines');

  const pki = await createTestPki();
  const broker = await startTestBroker(pki);
  const enrollServer = await startEnrollServer(pki, broker.port);
  const dir = await mkdtemp(join(tmpdir(), 'vigil-readme-'));
  // The module lives in dist/ so that `@vigil/device-sdk` resolves through the workspace.
  const moduleFile = join(DIST, `.readme-example-${randomBytes(4).toString('hex')}.mjs`);
  t.after(async () => {
    await enrollServer.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
    await rm(moduleFile, { force: true });
  });
  await writeFile(join(dir, 'root.pem'), pki.root.certPem);
  const token = randomBytes(8).toString('hex');
  enrollServer.tokens.add(token);
  const code = example
    .replace("'vigil-root.pem'", JSON.stringify(join(dir, 'root.pem')))
    .replace("'/var/lib/my-monitor/vigil'", JSON.stringify(join(dir, 'state')))
    .replace("'https://vigil.example.org:8443'", JSON.stringify(enrollServer.url));
  const hardware = 'const blinkLed = async () => {}; const readHeartRate = () => 72; const readSpO2 = () => 97;\n';
  await writeFile(moduleFile, code.replace(/^(import [^\n]+\n)+/, (imports) => imports + hardware));
  const child = spawn(process.execPath, [moduleFile], { env: { ...process.env, VIGIL_ENROLLMENT_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));

  const waitFor = async (what: string, predicate: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!predicate()) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor('two telemetry messages', () => broker.received.length >= 2);
  const first = broker.received[0]!;
  const deviceId = first.clientId;
  const envelope = parseTelemetry(JSON.parse(first.payload));
  assert.ok(envelope.ok);
  assert.deepEqual(envelope.value.readings.map((r) => r.value), [72, 97]);
  const now = Date.now();
  await broker.publish(
    deviceTopic(deviceId, 'commands'),
    JSON.stringify({ v: 1, commandId: 'cmd_readme', nonce: randomBytes(16).toString('base64url'), name: 'identify', args: { seconds: 2 }, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() }),
  );
  await waitFor('the command ack', () => broker.received.some((m) => m.topic === deviceTopic(deviceId, 'acks')));
  const ack = JSON.parse(broker.received.find((m) => m.topic === deviceTopic(deviceId, 'acks'))!.payload) as CommandAck;
  assert.equal(ack.status, 'done');
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
