/**
 * Issue 11 item 7: a restart after a crash logged exactly like a clean start. Now the pid lock
 * left by a dead process is reported with the audit events it left unsigned.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../main.js';
import { captureLogger } from '../transports/http/http-fixtures.js';
import { event, makePlatform, testContext } from './fixtures.js';

test('ok/a start after a crash logs the unclean shutdown with the unsigned audit tail; a clean restart does not', async () => {
  const t = await makePlatform();
  try {
    const { platform } = t;
    await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
    const signedUpTo = await platform.auditReader().maxSeq();
    for (let i = 0; i < 3; i += 1) await platform.withAuditStore((store) => platform.auditLog.writer(store).record(testContext, event(i)));
    // The process that held the data directory died without releasing its lock.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(platform.dataDir, 'vigil.pid'), `${dead}\n`);

    const crashed = captureLogger();
    const server = await startServer(platform, crashed.logger, { consoleDir: join(t.dataDir, 'no-console') });
    const events = await platform.auditReader().readAfter(signedUpTo, 100);
    assert.ok(events.some((e) => e.action === 'platform.server.unclean_shutdown'), 'recorded in the audit log');
    const lastCheckpoint = (await platform.auditReader().checkpoints()).reduce((m, c) => Math.max(m, c.seq), 0);
    assert.ok(lastCheckpoint >= signedUpTo + 4, 'the tail is signed at once');
    await server.close();
    const line = crashed.lines().find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('unclean shutdown'));
    assert.ok(line, JSON.stringify(crashed.lines().map((l) => l['msg'])));
    assert.equal(line['level'], 40, 'warn');
    assert.equal(line['previousPid'], dead);
    assert.equal(line['unsignedEvents'], 3);
    assert.equal(line['unsignedFromSeq'], signedUpTo + 1);
    assert.equal(line['unsignedToSeq'], signedUpTo + 3);
    assert.match(String(line['msg']), new RegExp(`audit events ${signedUpTo + 1}\\.\\.${signedUpTo + 3} \\(3\\)`));
  } finally {
    await t.dispose();
  }
});

test('ok/a clean start logs no unclean shutdown', async () => {
  const t = await makePlatform();
  try {
    const clean = captureLogger();
    const server = await startServer(t.platform, clean.logger, { consoleDir: join(t.dataDir, 'no-console') });
    await server.close();
    assert.ok(!clean.lines().some((l) => String(l['msg']).startsWith('unclean shutdown')));
  } finally {
    await t.dispose();
  }
});
