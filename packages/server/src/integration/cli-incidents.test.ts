/** `vigil incident open|list|show|timeline|contain|notify|report|close` as an operator runs them. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { validate } from '../config/index.js';
import { ed25519Verifier, sha256Hex } from '../keys/index.js';
import { openPlatform } from '../main.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args, '--data-dir', dataDir], { env: { PATH: process.env['PATH'] ?? '' }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-cli-inc-'));
  dataDir = join(root, 'data');
  assert.equal((await vigil('init')).code, 0);
  const platform = await openPlatform({ config: validate({ dataDir, logLevel: 'silent' }).config, env: {} });
  try {
    await platform.identity.createOrganization({ principal: { kind: 'cli', id: 'test' }, requestId: 'cli-test', source: 'local' }, 'general');
  } finally {
    await platform.close();
  }
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/open, list, show, timeline, contain (block), report json/html/pdf signed, close; bad input refused', { timeout: 180_000 }, async () => {
  const opened = await vigil('incident', 'open', '--org', 'general', '--title', 'Monitor firmware tampered', '--type', 'malware-in-firmware', '--device', 'dev-7', '--source', '203.0.113.9');
  assert.equal(opened.code, 0, opened.stderr);
  const id = /opened incident ([0-9a-f-]{36})/.exec(opened.stdout)?.[1] ?? '';
  assert.ok(id);
  assert.match((await vigil('incident', 'list', '--org', 'general')).stdout, new RegExp(id));
  const shown = JSON.parse((await vigil('incident', 'show', id)).stdout) as { incident: { checklist: unknown[] } };
  assert.equal(shown.incident.checklist.length, 7);
  const timeline = JSON.parse((await vigil('incident', 'timeline', id)).stdout) as { blastRadius: { devices: Array<{ id: string }> } };
  assert.deepEqual(timeline.blastRadius.devices.map((d) => d.id), ['dev-7']);
  const blocked = await vigil('incident', 'contain', id, '--kind', 'block-source', '--target', '203.0.113.9', '--hours', '2');
  assert.equal(blocked.code, 0, blocked.stderr);
  assert.equal((JSON.parse(blocked.stdout) as { action: { status: string } }).action.status, 'done');
  assert.equal((await vigil('incident', 'open', '--org', 'general', '--title', 'x', '--type', 'nonsense')).code, 1);
  assert.equal((await vigil('incident', 'contain', id, '--kind', 'nonsense')).code, 1);

  const verifier = ed25519Verifier;
  for (const format of ['json', 'html', 'pdf'] as const) {
    if (format === 'pdf' && !existsSync('/usr/bin/chromium')) continue;
    const file = join(root, `report.${format}`);
    const r = await vigil('incident', 'report', id, '--format', format, '--out', file, '--lessons', 'Pin firmware hashes.');
    assert.equal(r.code, 0, r.stderr);
    const bytes = await readFile(file);
    const sig = JSON.parse(await readFile(`${file}.sig.json`, 'utf8')) as { sha256: string; signature: string; publicKeyPem: string };
    assert.equal(sig.sha256, sha256Hex(bytes));
    assert.ok(verifier.verify(sig.publicKeyPem, bytes, Buffer.from(sig.signature, 'base64')), `${format} signature verifies`);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] ?? 0) ^ 1;
    assert.equal(verifier.verify(sig.publicKeyPem, tampered, Buffer.from(sig.signature, 'base64')), false);
    if (format === 'pdf') assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    if (format === 'html') assert.match(bytes.toString(), /Pin firmware hashes\./);
  }
  assert.match((await vigil('incident', 'close', id)).stdout, /closed incident/);
  assert.equal((await vigil('incident', 'close', id)).code, 1, 'closed is final');
});
