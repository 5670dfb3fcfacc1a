/**
 * Issue 17, "a PostgreSQL restart must not crash Vigil": a private PostgreSQL cluster (never the
 * shared one) is stopped and started three times while five mTLS devices stream at QoS 1.
 *   - the server stays up (it runs in this process: an unhandled pg 'error' event would end it);
 *   - /readyz is 503 during each outage and 200 within 5 s after the database is back;
 *   - every acknowledged message is stored exactly once, and `vigil audit verify` passes;
 *   - a freeze (SIGSTOP of the private cluster's processes) is still handled as before.
 * Runs when VIGIL_TEST_DATABASE_URL is set (CI) and the PostgreSQL server binaries are present.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAuditVerify } from '../cli/audit-commands.js';
import { openDatabase } from '../storage/index.js';
import { createPrivatePostgres, postgresBinaries } from './private-postgres.js';
import { checkStoredExactlyOnce, configFor, postJson, sleep, startFaultServer, waitReady } from './storage-fault-fixtures.js';

const OUTAGES = 3;

test('ok/PostgreSQL stopped and started 3 times under load: server up, /readyz 503 then 200 within 5 s, acknowledged messages stored once, audit verifies', { timeout: 180_000 }, async (t) => {
  if (process.env['VIGIL_TEST_DATABASE_URL'] === undefined) {
    t.skip('VIGIL_TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)');
    return;
  }
  const binaries = postgresBinaries();
  if ('missing' in binaries) {
    t.skip(binaries.missing);
    return;
  }
  const pg = await createPrivatePostgres(binaries.dir);
  const root = await mkdtemp(join(tmpdir(), 'vigil-pgfault-'));
  const dataDir = join(root, 'data');
  try {
    const fault = await startFaultServer({ dataDir, databaseUrl: pg.url, devices: 5 });
    const { server, serverCaPem, devices, log, platform } = fault;
    const port = server.httpPort;
    const timings: string[] = [];
    try {
      for (const d of devices) d.start(server.mqttPort, serverCaPem, 50);
      assert.ok((await waitReady(port, serverCaPem, true, 5_000)).ms >= 0, 'ready before the first outage');
      await sleep(1000);
      for (let outage = 1; outage <= OUTAGES; outage += 1) {
        const before = devices.reduce((n, d) => n + d.acked.size, 0);
        pg.stop();
        const down = await waitReady(port, serverCaPem, false, 10_000);
        assert.ok(down.ms >= 0, `outage ${outage}: /readyz 503 while PostgreSQL is down (last: ${down.body})`);
        assert.match(down.body, /not ready: (database|storage)/);
        // An HTTP request that needs the database fails with 503 and a code, not a 500 or a hang.
        const login = await postJson(port, serverCaPem, '/api/v1/auth/login', { username: 'nobody', password: 'not-a-password-1' });
        assert.equal(login.status, 503, `login during the outage: ${login.status} ${login.code}`);
        assert.ok(login.code === 'STORAGE_UNAVAILABLE' || login.code === 'AUDIT_WRITE_FAILED', String(login.code));
        await sleep(2000);
        const startedAt = Date.now();
        pg.start();
        const up = await waitReady(port, serverCaPem, true, 5_000);
        assert.ok(up.ms >= 0, `outage ${outage}: /readyz 200 within 5 s after PostgreSQL started (last: ${up.body})`);
        await sleep(1500);
        const after = devices.reduce((n, d) => n + d.acked.size, 0);
        assert.ok(after > before, `outage ${outage}: ingest resumed (${before} -> ${after})`);
        timings.push(`#${outage}: 503 after ${down.ms} ms, 200 ${Date.now() - startedAt - 1500} ms after start (${up.ms} ms of polling)`);
      }
      // Today's good behaviour under a frozen PostgreSQL (SIGSTOP) is kept: PUBACKs wait, ingest resumes.
      const beforeFreeze = devices.reduce((n, d) => n + d.acked.size, 0);
      pg.freeze(true);
      try {
        const frozen = await waitReady(port, serverCaPem, false, 8_000);
        assert.ok(frozen.ms >= 0, `/readyz 503 while PostgreSQL is frozen (last: ${frozen.body})`);
        await sleep(2000);
      } finally {
        pg.freeze(false);
      }
      const thawed = await waitReady(port, serverCaPem, true, 5_000);
      assert.ok(thawed.ms >= 0, 'ready again after the thaw');
      await sleep(1000);
      assert.ok(devices.reduce((n, d) => n + d.acked.size, 0) > beforeFreeze, 'ingest resumed after the thaw');
      timings.push(`freeze: 200 ${thawed.ms} ms after SIGCONT`);
      const errors = log.lines().filter((l) => l['msg'] === 'storage commit failed' && l['level'] === 50);
      assert.ok(errors.length >= 1 && errors.length <= 3 * OUTAGES, `a few structured entries, not a line per failure (${errors.length})`);
      assert.ok(platform.database.health.outages >= OUTAGES, `outages seen: ${platform.database.health.outages}`);
      t.diagnostic(timings.join('; '));
      t.diagnostic(`failures by cause ${JSON.stringify(platform.database.health.failures)}; ${errors.length} error entries; refusals ${JSON.stringify(server.broker.refusals.snapshot())}`);
    } finally {
      await Promise.all(devices.map((d) => d.stop()));
      await fault.close();
    }
    const database = await openDatabase({ dataDir, databaseUrl: pg.url });
    try {
      const result = await checkStoredExactlyOnce(database, devices);
      assert.deepEqual(result.problems, []);
      assert.ok(result.acked > 100, `enough traffic (${result.acked} acknowledged)`);
      t.diagnostic(`${result.acked} acknowledged, ${result.stored} stored, each once`);
    } finally {
      await database.close();
    }
    const verified = await runAuditVerify({ config: configFor(dataDir, pg.url) });
    assert.equal(verified.ok, true, verified.message);
  } finally {
    await pg.destroy();
    await rm(root, { recursive: true, force: true });
  }
});
