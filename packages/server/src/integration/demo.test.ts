/**
 * `vigil demo` in process, on the real clock: the seeded hospital comes up, devices enrolled through
 * the real path stream vitals that land on their patients, a clinical alert opens within 30 s of
 * the fleet starting, the logins carry one-time passwords, and stop() ends everything cleanly.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { demoConfig, startDemo, type RunningDemo } from '../cli/demo-commands.js';

describe('vigil demo', { timeout: 120_000 }, () => {
  let demo: RunningDemo | undefined;
  let root: string | undefined;
  after(async () => {
    await demo?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('ok/seeds the hospital, streams attributed vitals, and opens a clinical alert within 30 s', async () => {
    const config = await demoConfig({ httpPort: 0, mqttPort: 0, logLevel: 'silent' });
    root = dirname(config.dataDir);
    demo = await startDemo(config);
    const started = Date.now();
    assert.deepEqual(demo.logins.map((l) => l.username), ['admin', 'security', 'dr-ward-a', 'dr-ward-b']);
    for (const l of demo.logins) assert.ok(l.oneTimePassword.length >= 16, `${l.username} has a one-time password`);
    assert.equal(demo.patientIds.length, 12);
    assert.equal(demo.deviceIds.length, 12);
    const db = demo.platform.database.db;
    let openAlerts = 0;
    while (Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 1000));
      const row = await sql<{ n: number }>`SELECT count(*) AS n FROM clinical_alerts WHERE status = 'open'`.execute(db);
      openAlerts = Number(row.rows[0]?.n ?? 0);
      if (openAlerts > 0) break;
    }
    assert.ok(openAlerts > 0, 'a clinical alert opened within 30 s');
    const readings = await sql<{ n: number; patients: number }>`SELECT count(*) AS n, count(DISTINCT patient_id) AS patients FROM telemetry_readings WHERE patient_id IS NOT NULL`.execute(db);
    assert.ok(Number(readings.rows[0]?.n) > 100, 'vitals stored with their patient');
    assert.equal(Number(readings.rows[0]?.patients), 12, 'every patient has vitals');
    await demo.stop();
    assert.ok(demo.fleet.stats().acked > 0);
  });
});
