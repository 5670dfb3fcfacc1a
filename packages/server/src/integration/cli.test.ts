/**
 * The `vigil` command as an operator runs it: --help on every verb, exit codes, one-line errors,
 * key rotation, and an exported audit log verified on its own with the auditor's public key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { lockDataDir } from '../config/index.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function vigil(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
  dataDir = join(root, 'data');
  const init = await vigil('init', '--data-dir', dataDir);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /setup credential/);
});
after(() => rm(root, { recursive: true, force: true }));

test('fail/vigil start on a busy port: refused before anything is initialized or a setup credential printed', async () => {
  const busy = createServer();
  busy.listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const port = (busy.address() as AddressInfo).port;
  const fresh = join(root, 'fresh');
  try {
    const r = await vigil('start', '--data-dir', fresh, '--http-port', String(port), '--mqtt-port', '0');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vigil: the HTTPS port 127\.0\.0\.1:\d+ is not available \(EADDRINUSE\); nothing was started or issued\n$/);
    assert.doesNotMatch(r.stdout, /setup credential/);
    assert.equal(existsSync(fresh), false, 'the data directory was not created');
  } finally {
    busy.close();
  }
});

test('ok/vigil init --reissue-setup-credential: a new credential while no admin exists; the old one stops working', async () => {
  // Its own data directory: the other tests count this one's audit events.
  const own = join(root, 'reissue');
  assert.equal((await vigil('init', '--data-dir', own)).code, 0);
  const r = await vigil('init', '--reissue-setup-credential', '--data-dir', own);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /First-admin setup credential/);
  const again = await vigil('init', '--reissue-setup-credential', '--data-dir', own);
  const first = /\n {4}(\S+)\n/.exec(r.stdout)?.[1];
  const second = /\n {4}(\S+)\n/.exec(again.stdout)?.[1];
  assert.ok(first !== undefined && second !== undefined && first !== second);
  const used = await vigil('user', 'create', '--setup-credential', first, '--org', 'Reissue Hospital', '--username', 'first.admin', '--data-dir', own);
  assert.equal(used.code, 1, 'the earlier credential was retired');
  const created = await vigil('user', 'create', '--setup-credential', second, '--org', 'Reissue Hospital', '--username', 'first.admin', '--data-dir', own);
  assert.equal(created.code, 0, created.stderr);
  const refused = await vigil('init', '--reissue-setup-credential', '--data-dir', own);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^vigil: Setup is complete: an administrator exists/);
});

test('ok/every verb answers --help', async () => {
  for (const verb of [[], ['init'], ['start'], ['audit'], ['audit', 'verify'], ['audit', 'export'], ['audit', 'checkpoint'], ['keys'], ['keys', 'list'], ['keys', 'rotate']]) {
    const r = await vigil(...verb, '--help');
    assert.equal(r.code, 0, `${verb.join(' ')} --help`);
    assert.match(r.stdout, /Usage: vigil/);
  }
});

test('fail/usage errors exit 2; failures exit 1 with one line on stderr', async () => {
  assert.equal((await vigil('no-such-verb')).code, 2);
  const again = await vigil('init', '--data-dir', dataDir);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^vigil: .*already initialized.*\n$/);
  const badPort = await vigil('start', '--data-dir', dataDir, '--http-port', 'eighty');
  assert.equal(badPort.code, 1);
  assert.equal(badPort.stderr.trim().split('\n').length, 1);
  const notInit = await vigil('audit', 'verify', '--data-dir', join(root, 'absent'));
  assert.equal(notInit.code, 1);
  assert.doesNotMatch(notInit.stderr, /\n\s+at /, 'no stack trace');
});

/** An approved key-rotation change (two people with MFA: tested in compliance/changes), written into the data directory's database. */
function approvedRotation(target: string): string {
  const id = `chg-${target}-${Date.now()}`;
  const db = new Database(join(dataDir, 'vigil.db'));
  try {
    const at = new Date().toISOString();
    db.prepare(
      `INSERT INTO change_requests (id, org_id, kind, target, payload, summary, status, emergency, requested_by, requested_at, decided_by, decided_at, audit_seqs)
       VALUES (?, NULL, 'key-rotation', ?, '{}', 'rotate for the test', 'approved', 0, 'user:a', ?, 'user:b', ?, '{"seqs":[],"requestIds":[]}')`,
    ).run(id, target, at, at);
  } finally {
    db.close();
  }
  return id;
}

test('fail/keys rotate without an approved change request is refused and nothing rotates', async () => {
  const refused = await vigil('keys', 'rotate', 'audit-signing', '--data-dir', dataDir);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /approved key-rotation change request/);
  // (a change of another kind or target is refused too: compliance/changes/change-kinds.test.ts)
});

test('ok/keys rotate is audited, old checkpoints still verify, export verifies with the public key', async () => {
  const list = await vigil('keys', 'list', '--data-dir', dataDir);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /kek-[0-9a-f]{16}\tkek\tAES-256-GCM\tactive/);
  assert.doesNotMatch(list.stdout, /BEGIN|PRIVATE/);
  assert.equal((await vigil('audit', 'checkpoint', '--data-dir', dataDir)).code, 0);
  const rotate = await vigil('keys', 'rotate', 'audit-signing', '--change', approvedRotation('audit-signing'), '--data-dir', dataDir);
  assert.equal(rotate.code, 0, rotate.stderr);
  const kek = await vigil('keys', 'rotate', 'kek', '--change', approvedRotation('kek'), '--data-dir', dataDir);
  assert.equal(kek.code, 0, kek.stderr);
  assert.match(kek.stdout, /rotated kek: kek-[0-9a-f]{16} -> kek-[0-9a-f]{16} \(change chg-kek-\d+ applied/);
  assert.match(kek.stdout, /no value is left under a retired KEK/);
  assert.equal((await vigil('keys', 'rotate', 'ca-root', '--data-dir', dataDir)).code, 1, 'only kek and audit-signing rotate here');
  assert.equal((await vigil('audit', 'checkpoint', '--data-dir', dataDir)).code, 0);
  const verify = await vigil('audit', 'verify', '--data-dir', dataDir);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /7 events, 3 signed checkpoints/);

  const file = join(root, 'audit.jsonl');
  assert.equal((await vigil('audit', 'export', '--format', 'jsonl', '--output', file, '--data-dir', dataDir)).code, 0);
  const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; action?: string });
  assert.deepEqual(
    lines.filter((l) => l.kind === 'event').map((l) => l.action),
    // each rotation is the host's application of an approved change: retry, the rotation, apply
    ['identity.setup_credential.issue', 'compliance.change.retry', 'keys.audit_signing.rotate', 'compliance.change.apply', 'compliance.change.retry', 'keys.kek.rotate', 'compliance.change.apply'],
  );
  // One by `audit checkpoint`, and one by each rotation's CLI run as it closes (it signs what it wrote).
  assert.equal(lines.filter((l) => l.kind === 'checkpoint').length, 3);
  const keyList = join(dataDir, 'keys', 'public-keys.json');
  const ok = await vigil('audit', 'verify', '--file', file, '--public-key', keyList);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /7 events, 3 signed checkpoints/);

  // The auditor's single current key does not vouch for the checkpoint signed before the rotation.
  const current = join(dataDir, 'keys', 'audit-signing.pub.pem');
  const partial = await vigil('audit', 'verify', '--file', file, '--public-key', current);
  assert.equal(partial.code, 1);
  assert.match(partial.stderr, /seq 1:.*(unknown key|invalid signature)/);

  // An edited line in the export is caught too.
  const tampered = join(root, 'tampered.jsonl');
  await writeFile(tampered, (await readFile(file, 'utf8')).replace('keys.kek.rotate', 'keys.kek.erase'));
  const bad = await vigil('audit', 'verify', '--file', tampered, '--public-key', keyList);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /seq 6/);
});

test('fail/keys rotate kek refuses while a server holds the data directory, and names the online route', async () => {
  const lock = lockDataDir(dataDir); // this test process stands for the running server
  try {
    const refused = await vigil('keys', 'rotate', 'kek', '--change', approvedRotation('kek'), '--data-dir', dataDir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /in use by process .*the KEK rotates in it when the change is approved/);
  } finally {
    lock.release();
  }
  const list = await vigil('keys', 'list', '--data-dir', dataDir);
  assert.equal(list.stdout.match(/\tkek\t/g)?.length, 2, 'no KEK was created by the refused rotation (only the earlier test rotation)');
});
