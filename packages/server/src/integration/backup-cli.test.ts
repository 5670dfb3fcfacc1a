/**
 * `vigil backup …` and `vigil dr …` as an operator runs them: --help on every verb; init prints
 * the recovery key once; create, list, verify, restore; a restore into a non-empty directory exits
 * 1 with one line; the restored directory passes `vigil audit verify`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-backup-cli-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/every backup and dr verb answers --help', async () => {
  for (const verb of [['backup'], ['backup', 'init-recovery'], ['backup', 'create'], ['backup', 'list'], ['backup', 'verify'], ['backup', 'restore'], ['backup', 'browse'], ['backup', 'prune'], ['dr'], ['dr', 'drill'], ['dr', 'reports']]) {
    const r = await vigil(...verb, '--help');
    assert.equal(r.code, 0, `${verb.join(' ')} --help`);
  }
});

test('ok/init prints the recovery key once; create, list, verify, restore; fail/a non-empty restore target', { timeout: 120_000 }, async () => {
  const dataDir = join(root, 'data');
  const target = join(root, 'target');
  const init = await vigil('init', '--data-dir', dataDir);
  assert.equal(init.code, 0, init.stderr);
  const key = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(init.stdout)?.[0];
  assert.ok(key, 'init prints the recovery key');
  for (const file of await readdir(dataDir)) {
    if (file === 'vigil.db' || file.startsWith('vigil.db-')) continue;
    const text = await readFile(join(dataDir, file), 'utf8').catch(() => '');
    assert.ok(!text.includes(key), `the recovery key is not stored (${file})`);
  }
  const keyFile = join(root, 'recovery.key');
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  const created = await vigil('backup', 'create', '--data-dir', dataDir, '--target', target);
  assert.equal(created.code, 0, created.stderr);
  const list = await vigil('backup', 'list', '--data-dir', dataDir, '--target', target, '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout) as unknown[]).length, 1);
  const verify = await vigil('backup', 'verify', '--data-dir', dataDir, '--target', target, '--recovery-key', keyFile);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /verified/);
  const restoredDir = join(root, 'restored');
  const restore = await vigil('backup', 'restore', '--from', target, '--recovery-key', keyFile, '--data-dir', restoredDir);
  assert.equal(restore.code, 0, restore.stderr);
  const audit = await vigil('audit', 'verify', '--data-dir', restoredDir);
  assert.equal(audit.code, 0, audit.stderr);
  const occupied = join(root, 'occupied');
  await mkdir(occupied);
  await writeFile(join(occupied, 'keep'), 'x');
  const refused = await vigil('backup', 'restore', '--from', target, '--recovery-key', keyFile, '--data-dir', occupied);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^vigil: .*not empty.*\n$/);
  assert.deepEqual(await readdir(occupied), ['keep']);
});
