/**
 * Scratch folders left by a killed backup, verification or drill are swept by the next one;
 * folders of live processes, recent unowned ones and anything not named like ours stay.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeScratchDir, removeAbandonedScratch } from './scratch.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-scratch-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

async function folder(name: string, owner?: number, ageMs = 0): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'snapshot.sqlite'), 'plaintext copy');
  if (owner !== undefined) await writeFile(join(dir, 'owner.pid'), `${owner}\n`);
  const at = new Date(Date.now() - ageMs);
  await utimes(dir, at, at);
  return dir;
}

test('ok/a new scratch folder is private and names its owner', async () => {
  const dir = await makeScratchDir(join(root, 'fresh'), 'verify-');
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await readFile(join(dir, 'owner.pid'), 'utf8')).trim(), String(process.pid));
});

test('fail/what a killed process left is swept by the next scratch folder; nothing else is', async () => {
  const killed = await folder('20261206T043000Z-ab12cd-Qx9ZaB', deadPid());
  const killedDrill = await folder('drill-a1B2c3', deadPid());
  const live = await folder('verify-LiVe01', process.pid);
  const oldUnowned = await folder('verify-Old001', undefined, 2 * 3_600_000);
  const newUnowned = await folder('drill-New001', undefined, 60_000);
  const notOurs = await folder('keep-me', deadPid(), 2 * 3_600_000);
  const garbledOwner = await folder('verify-Garb01', undefined);
  await writeFile(join(garbledOwner, 'owner.pid'), 'not a pid');

  const dir = await makeScratchDir(root, 'drill-');
  const left = new Set(await readdir(root));
  for (const gone of [killed, killedDrill, oldUnowned, garbledOwner]) assert.ok(!left.has(gone.slice(root.length + 1)), `${gone} was swept`);
  for (const kept of [live, newUnowned, notOurs, dir]) assert.ok(left.has(kept.slice(root.length + 1)), `${kept} was kept`);
  assert.deepEqual(await removeAbandonedScratch(root), [], 'a second sweep finds nothing');
  assert.deepEqual(await removeAbandonedScratch(join(root, 'no-such-folder')), []);
});
