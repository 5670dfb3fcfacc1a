/**
 * Verify and restore decrypt the database part with the Go `age` tool when backup.ageBinary gives
 * one ("auto": Debian's age when installed), and with the age-encryption library when the setting
 * says "library". A wrapper around the tool logs each run, so each test sees which path was taken.
 * Either way the part is written to a scratch place and the restore commits only after a clean finish.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, truncate, stat, writeFile, cp } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDirectoryTarget, restoreBackup } from '../backup/index.js';
import { resolveAgeBinary, wireBackup } from '../composition/backup.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'age-tool-test', source: 'local' };
const agePath = ['/usr/bin/age', '/usr/local/bin/age'].find((p) => spawnSync(p, ['--version']).status === 0);

describe('backup/decrypting with the age tool or the library', { skip: agePath === undefined ? 'age is not installed' : false }, () => {
  let f: BackupFixture;
  let wrapper: string;
  let log: string;
  let backupId: string;

  /** Decryption runs of the tool so far (`age -d -i <fifo>`). */
  const decryptRuns = async () => (existsSync(log) ? (await readFile(log, 'utf8')).split('\n').filter((l) => l.startsWith('-d ')).length : 0);

  before(async () => {
    f = await makeBackupFixture();
    log = join(f.root, 'age-runs.log');
    wrapper = join(f.root, 'age-logging');
    await writeFile(wrapper, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${agePath ?? 'age'}' "$@"\n`, { mode: 0o755 });
    const created = await f.service.create(ctx);
    assert.equal(created.outcomes[0]?.ok, true, created.outcomes[0]?.error);
    backupId = created.id;
  });
  after(async () => {
    await f.dispose();
  });

  test('ok/"auto" finds the installed tool; "library" is the library; a path is that tool', async () => {
    assert.equal(await resolveAgeBinary('auto'), agePath);
    assert.equal(await resolveAgeBinary('library'), undefined);
    assert.equal(await resolveAgeBinary(wrapper), wrapper);
  });

  test('ok/verify decrypts with the tool given by backup.ageBinary, and with the library when the setting says so', async () => {
    const withTool = await wireBackup(f.platform, { env: {}, targets: [f.target], ageBinary: wrapper });
    const before = await decryptRuns();
    const report = await withTool.verify(ctx, f.recoveryKey, { backupId });
    assert.equal(report.ok, true, report.reason);
    assert.equal(await decryptRuns(), before + 1, 'the tool decrypted the database part');

    const withLibrary = await wireBackup(f.platform, { env: {}, targets: [f.target], ageBinary: 'library' });
    const again = await withLibrary.verify(ctx, f.recoveryKey, { backupId });
    assert.equal(again.ok, true, again.reason);
    assert.equal(await decryptRuns(), before + 1, 'the library decrypted it: the tool did not run');
  });

  test('ok/restore with the tool and with the library build the same database', async () => {
    const before = await decryptRuns();
    const byTool = join(f.root, 'restored-tool');
    await restoreBackup({ ...f.restoreDeps(), ageBinary: wrapper }, backupId, { dataDir: byTool, dryRun: false });
    assert.equal(await decryptRuns(), before + 1);
    const byLibrary = join(f.root, 'restored-library');
    await restoreBackup({ ...f.restoreDeps(), ageBinary: undefined }, backupId, { dataDir: byLibrary, dryRun: false });
    assert.equal(await decryptRuns(), before + 1);
    assert.equal((await stat(join(byTool, 'vigil.db'))).size > 0, true);
    assert.ok(existsSync(join(byLibrary, 'vigil.db')));
  });

  test('fail/a truncated database part decrypted by the tool is refused: nothing is committed, no scratch copy is left', async () => {
    // A copy of the backup whose database ciphertext lost its last 1000 bytes (a truncated upload).
    const damaged = join(f.root, 'damaged-target');
    await cp(join(f.root, 'target', backupId), join(damaged, backupId), { recursive: true });
    const part = join(damaged, backupId, 'database.sqlite.age');
    await truncate(part, (await stat(part)).size - 1000);
    const target = new LocalDirectoryTarget(damaged);
    const before = await decryptRuns();
    const dataDir = join(f.root, 'never-restored');
    await assert.rejects(
      restoreBackup({ ...f.restoreDeps(undefined, target), ageBinary: wrapper }, backupId, { dataDir, dryRun: false }),
      (e: unknown) => isAppError(e) && e.code === 'BACKUP_PART_CORRUPT' && /database\.sqlite\.age/.test(e.detail ?? ''),
    );
    assert.equal(await decryptRuns(), before + 1, 'the tool ran');
    assert.equal(existsSync(dataDir), false, 'nothing was committed');
    assert.deepEqual((await readdir(f.root)).filter((n) => n.includes('.restoring-')), [], 'no half-built directory is left');
  });
});
