/**
 * `vigil user ...` as an operator runs it: the first admin from the setup credential, then
 * create, list, grant, reset-password and disable; --help, exit codes and one-line errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;
let credential: string;

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
const inData = (...args: string[]) => vigil(...args, '--data-dir', dataDir);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-user-cli-'));
  dataDir = join(root, 'data');
  const init = await vigil('init', '--data-dir', dataDir);
  assert.equal(init.code, 0, init.stderr);
  credential = /\n\s+(vsc_[A-Za-z0-9_-]+)\n/.exec(init.stdout)?.[1] ?? '';
  assert.ok(credential.length > 10);
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/every user verb answers --help', async () => {
  for (const verb of [['user'], ['user', 'create'], ['user', 'list'], ['user', 'disable'], ['user', 'reset-password'], ['user', 'grant']]) {
    const r = await vigil(...verb, '--help');
    assert.equal(r.code, 0, verb.join(' '));
    assert.match(r.stdout, /Usage: vigil user/);
  }
});

test('ok/first admin from the setup credential, then create, list, grant, reset and disable', async () => {
  const first = await inData('user', 'create', '--setup-credential', credential, '--org', 'General Hospital', '--username', 'root.admin');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /platform-admin root\.admin/);
  assert.match(first.stdout, /One-time password for root\.admin/);

  const again = await inData('user', 'create', '--setup-credential', credential, '--org', 'Elsewhere', '--username', 'second');
  assert.equal(again.code, 1, 'the credential is single-use');
  assert.equal(again.stderr.trim().split('\n').length, 1);

  const created = await inData('user', 'create', '--org', 'General Hospital', '--username', 'nurse.joy', '--role', 'clinician');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /One-time password for nurse\.joy[^\n]*\n\n\s+\S{20,}\n/);

  const granted = await inData('user', 'grant', 'NURSE.JOY', 'clinician', 'auditor');
  assert.equal(granted.code, 0, granted.stderr);
  assert.match(granted.stdout, /clinician, auditor/);

  assert.equal((await inData('user', 'reset-password', 'nurse.joy')).code, 0);
  assert.equal((await inData('user', 'disable', 'nurse.joy')).code, 0);

  const list = await inData('user', 'list', '--org', 'General Hospital');
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /nurse\.joy\tclinician,auditor\tdisabled/);
  assert.match(list.stdout, /root\.admin\tplatform-admin,org-admin\tactive/);
});

test('fail/bad input exits 1 with one line on stderr', async () => {
  for (const args of [
    ['user', 'create', '--org', 'General Hospital', '--username', 'x1', '--role', 'wizard'],
    ['user', 'create', '--org', 'No Such Org', '--username', 'x2', '--role', 'clinician'],
    ['user', 'disable', 'nobody-here'],
    ['user', 'grant', 'nobody-here', 'clinician'],
  ]) {
    const r = await inData(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, /^vigil: [^\n]+\n$/, args.join(' '));
  }
  assert.equal((await vigil('user', 'create')).code, 2, 'a missing required option is a usage error');
});
