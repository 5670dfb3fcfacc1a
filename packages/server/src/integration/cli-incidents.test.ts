/** `vigil incident open|list|show|timeline|contain|notify|report|close` as an operator runs them. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ed25519Verifier, sha256Hex } from '../keys/index.js';
import { makeCliDataDir, type CliDataDir } from './fixtures.js';

let cli: CliDataDir;
const vigil = (...args: string[]) => cli.vigil(...args);

before(async () => {
  cli = await makeCliDataDir('vigil-cli-inc-', 'general');
});
after(() => cli.dispose());

test('ok/open, list, show, timeline, contain (block), report json/html/pdf signed, settings (time zone), close; bad input refused', { timeout: 180_000 }, async () => {
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
    const file = join(cli.root, `report.${format}`);
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
  // The organization's time zone of the clocks (one call: every CLI start costs seconds; the
  // refusal of names that are no IANA zone is tested at the service, incidents-clocks.test.ts).
  const zoned = await vigil('incident', 'settings', '--org', 'general', '--time-zone', 'America/New_York');
  assert.equal(zoned.code, 0, zoned.stderr);
  assert.equal((JSON.parse(zoned.stdout) as { timeZone: string }).timeZone, 'America/New_York');
  assert.match((await vigil('incident', 'close', id)).stdout, /closed incident/);
  assert.equal((await vigil('incident', 'close', id)).code, 1, 'closed is final');
});
