/**
 * Backups on PostgreSQL (runs when VIGIL_TEST_DATABASE_URL is set): pg_dump in an exported
 * snapshot while telemetry is written, verification through a scratch database, restore into a
 * new, empty database that then opens and passes audit verify; a database that holds tables is
 * refused. Each test makes its own databases and drops them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { restoreBackup } from '../backup/index.js';
import { runAuditVerify } from '../cli/audit-commands.js';
import { snapshotRestorer } from '../composition/backup.js';
import { validate } from '../config/index.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { createTelemetry, openPlatform } from '../main.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const URL_BASE = process.env['VIGIL_TEST_DATABASE_URL'];
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'pg-backup-test', source: 'local' };

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

describe('postgres/backup and restore', { skip: URL_BASE === undefined || URL_BASE === '' ? 'VIGIL_TEST_DATABASE_URL is not set' : false }, () => {
  const base = URL_BASE ?? '';
  const names = [`vigil_bk_${randomBytes(5).toString('hex')}`, `vigil_rs_${randomBytes(5).toString('hex')}`];
  const admin = new pg.Client({ connectionString: base });
  let f: BackupFixture;
  let id: string;

  before(async () => {
    await admin.connect();
    for (const name of names) await admin.query(`create database ${name}`);
    f = await makeBackupFixture({ databaseUrl: withDatabase(base, names[0] ?? '') });
    const telemetry = createTelemetry(f.platform, { emit: () => undefined });
    const device = { deviceId: 'dev-pg-1', orgId: 'org-1', model: 'm', publicKeyPem: '' };
    for (let seq = 1; seq <= 20; seq += 1) {
      const envelope: TelemetryEnvelope = { v: 1, deviceId: device.deviceId, seq, ts: f.clock.now().toISOString(), readings: [{ metric: '8867-4', value: 70, unit: '/min' }] };
      assert.equal(await telemetry.committer.submit(device, envelope, '127.0.0.1'), 'stored');
    }
    await telemetry.committer.close();
    const result = await f.service.create(ctx);
    assert.equal(result.outcomes[0]?.ok, true, result.outcomes[0]?.error);
    id = result.id;
  });
  after(async () => {
    await f.dispose();
    for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  test('ok/the pg_dump backup records the snapshot facts and verifies through a scratch database', async () => {
    const [listed] = await f.service.list();
    assert.equal(listed?.manifest.engine, 'postgres');
    assert.equal(listed?.manifest.rowCounts['telemetry_readings'], 20);
    assert.ok((listed?.manifest.auditHead?.seq ?? 0) > 0);
    const report = await f.service.verify(ctx, f.recoveryKey, { backupId: id });
    assert.equal(report.ok, true, report.reason);
  });

  test('ok/restore into a new database and data directory; it opens and audit verify passes', async () => {
    const url = withDatabase(base, names[1] ?? '');
    const dataDir = join(f.root, 'restored-pg');
    await restoreBackup({ ...f.restoreDeps(), restorer: snapshotRestorer(url) }, id, { dataDir, dryRun: false });
    const { config } = validate({ dataDir, databaseUrl: url, logLevel: 'silent', httpPort: 0, mqttPort: 0 });
    const verify = await runAuditVerify({ config });
    assert.equal(verify.ok, true, verify.message);
    const restored = await openPlatform({ config, env: {} });
    try {
      const n = await restored.database.db.selectFrom('telemetry_readings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      assert.equal(Number(n?.n), 20);
    } finally {
      await restored.close();
    }
  });

  test('fail/a database that holds tables is refused and keeps its data', async () => {
    const url = withDatabase(base, names[0] ?? '');
    const dataDir = join(f.root, 'restored-pg-2');
    await assert.rejects(
      restoreBackup({ ...f.restoreDeps(), restorer: snapshotRestorer(url) }, id, { dataDir, dryRun: false }),
      (error: unknown) => isAppError(error) && error.code === 'BACKUP_RESTORE_TARGET_NOT_EMPTY',
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      assert.equal(Number((await client.query<{ n: string }>('select count(*) as n from telemetry_readings')).rows[0]?.n), 20);
    } finally {
      await client.end();
    }
  });
});
