/**
 * Backups end to end on SQLite: create while 50 devices stream, verify with the drill key and the
 * recovery key, restore into a new data directory that opens, passes `audit verify` and opens
 * sealed values; Debian's `age` opens a backup with no Vigil code; dry run writes nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { runAuditVerify } from '../cli/audit-commands.js';
import { validate } from '../config/index.js';
import { wireBackup } from '../composition/backup.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { createTelemetry, openPlatform } from '../main.js';
import type { IngestDevice } from '../telemetry/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';
import { restoreBackup } from '../backup/index.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'backup-test', source: 'local' };
const hasAge = spawnSync('age', ['--version']).status === 0;

describe('sqlite/backup and restore', () => {
  let f: BackupFixture;
  let backupId: string;
  let sealed: string;
  let ackedBeforeSnapshot: Set<string>;
  let mrnHash: string;

  before(async () => {
    f = await makeBackupFixture();
    sealed = f.platform.sealer.seal(Buffer.from('sealed PHI value'), 'patients.name:p1');
    mrnHash = f.platform.keys.keyedHasher('patients.mrn').hash('org', 'MRN-1');
    // 50 devices stream through the real group commit while the backup is taken.
    const telemetry = createTelemetry(f.platform, { emit: () => undefined });
    const devices = Array.from({ length: 50 }, (_, n): IngestDevice => ({ deviceId: `dev-${String(n).padStart(3, '0')}`, orgId: 'org-1', model: 'm', publicKeyPem: '' }));
    const acked: Array<{ key: string; at: number }> = [];
    let streaming = true;
    const stream = Promise.all(
      devices.map(async (device) => {
        for (let seq = 1; streaming && seq < 100_000; seq += 1) {
          const envelope: TelemetryEnvelope = { v: 1, deviceId: device.deviceId, seq, ts: f.clock.now().toISOString(), readings: [{ metric: '8867-4', value: 60 + (seq % 40), unit: '/min' }] };
          const outcome = await telemetry.committer.submit(device, envelope, '127.0.0.1');
          if (outcome === 'stored') acked.push({ key: `${device.deviceId}:${seq}`, at: performance.now() });
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const snapshotStart = performance.now();
    const result = await f.service.create(ctx);
    streaming = false;
    await stream;
    await telemetry.committer.close();
    assert.deepEqual(result.outcomes.map((o) => o.ok), [true]);
    backupId = result.id;
    ackedBeforeSnapshot = new Set(acked.filter((a) => a.at < snapshotStart).map((a) => a.key));
    assert.ok(ackedBeforeSnapshot.size > 50, `only ${ackedBeforeSnapshot.size} messages before the snapshot`);
  });
  after(() => f.dispose());

  test('ok/the backup is listed, verifies with the drill key and with the recovery key', async () => {
    const listed = await f.service.list();
    assert.deepEqual(listed.map((l) => l.manifest.id), [backupId]);
    assert.ok((listed[0]?.manifest.rowCounts['telemetry_readings'] ?? 0) > 0);
    for (const identity of [f.drillKey, f.recoveryKey]) {
      const report = await f.service.verify(ctx, identity, { backupId });
      assert.equal(report.ok, true, report.reason);
    }
    const runs = await f.service.runs('verify');
    assert.equal(runs.filter((r) => r.outcome === 'success').length, 2);
  });

  test('ok/restore builds a new data directory: it opens, audit verify passes, sealed values and blind indexes still match, every acked message is there', async () => {
    const dataDir = join(f.root, 'restored');
    await restoreBackup(f.restoreDeps(), backupId, { dataDir, dryRun: false });
    const { config } = validate({ dataDir, logLevel: 'silent', httpPort: 0, mqttPort: 0 });
    const verify = await runAuditVerify({ config });
    assert.equal(verify.ok, true, verify.message);
    const restored = await openPlatform({ config, env: {} });
    try {
      assert.equal(Buffer.from(restored.sealer.open(sealed, 'patients.name:p1')).toString(), 'sealed PHI value');
      assert.equal(restored.keys.keyedHasher('patients.mrn').hash('org', 'MRN-1'), mrnHash);
      assert.equal(restored.keys.active('audit-signing').id, f.platform.keys.active('audit-signing').id);
    } finally {
      await restored.close();
    }
    const db = new BetterSqlite3(join(dataDir, 'vigil.db'), { readonly: true });
    try {
      const present = new Set((db.prepare('select device_id, seq from telemetry_readings').all() as Array<{ device_id: string; seq: number }>).map((r) => `${r.device_id}:${r.seq}`));
      const missing = [...ackedBeforeSnapshot].filter((k) => !present.has(k));
      assert.deepEqual(missing, [], `${missing.length} acknowledged messages missing`);
    } finally {
      db.close();
    }
  });

  test('ok/--dry-run checks everything and writes nothing', async () => {
    const dataDir = join(f.root, 'dry');
    const result = await restoreBackup(f.restoreDeps(), backupId, { dataDir, dryRun: true });
    assert.equal(result.dryRun, true);
    assert.equal(existsSync(dataDir), false);
  });

  test('ok/a backup encrypted by the age binary (backup.ageBinary) verifies with the library and restores', { skip: hasAge ? false : 'age is not installed' }, async () => {
    const service = await wireBackup(f.platform, { env: {}, targets: [f.target], ageBinary: 'age' });
    const created = await service.create(ctx);
    assert.equal(created.outcomes[0]?.ok, true, created.outcomes[0]?.error);
    const library = await wireBackup(f.platform, { env: {}, targets: [f.target], ageBinary: 'library' });
    const report = await library.verify(ctx, f.recoveryKey, { backupId: created.id });
    assert.equal(report.ok, true, report.reason);
  });

  test('ok/Debian age opens the backup with the recovery key alone', { skip: hasAge ? false : 'age is not installed' }, async () => {
    const keyFile = join(f.root, 'recovery.key');
    await writeFile(keyFile, `${f.recoveryKey}\n`, { mode: 0o600 });
    const out = join(f.root, 'age-out.db');
    execFileSync('age', ['-d', '-i', keyFile, '-o', out, join(f.root, 'target', backupId, 'database.sqlite.age')]);
    const db = new BetterSqlite3(out, { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]?.integrity_check, 'ok');
      const manifest = JSON.parse(await readFile(join(f.root, 'target', backupId, 'manifest.json'), 'utf8')) as { manifest: { rowCounts: Record<string, number> } };
      assert.equal((db.prepare('select count(*) as n from telemetry_readings').get() as { n: number }).n, manifest.manifest.rowCounts['telemetry_readings']);
    } finally {
      db.close();
    }
    const keys = execFileSync('age', ['-d', '-i', keyFile, join(f.root, 'target', backupId, 'keys.json.age')]).toString();
    assert.match(keys, /vigil-backup-keys/);
    assert.doesNotMatch(keys, new RegExp(JSON.stringify(await readFile(join(f.platform.dataDir, 'master.key'), 'utf8')).slice(1, 40)));
  });
});
