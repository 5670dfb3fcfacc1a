/**
 * DR drills and browse of PostgreSQL backups (runs when VIGIL_TEST_DATABASE_URL is set): the
 * backup is restored into a uniquely named scratch database on the same server, a Vigil boots on
 * it on loopback ports, and the scratch database is dropped afterwards, also when the work fails.
 * The live database is never touched.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { browseBackup } from '../composition/browse.js';
import { drillNow } from '../composition/drill.js';
import { validate } from '../config/index.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { PhiSealing } from '../patients/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const URL_BASE = process.env['VIGIL_TEST_DATABASE_URL'];
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'pg-drill-test', source: 'local' };
const objectives = validate({}).config.backup.objectives;
const REASON = 'records request from the treating cardiologist, ticket 4711';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

describe('postgres/dr drill and browse', { skip: URL_BASE === undefined || URL_BASE === '' ? 'VIGIL_TEST_DATABASE_URL is not set' : false }, () => {
  const base = URL_BASE ?? '';
  const name = `vigil_dr_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  let f: BackupFixture;
  let id: string;

  const scratchDatabases = async (): Promise<string[]> =>
    (await admin.query<{ d: string }>("select datname as d from pg_database where datname like 'vigil\\_drill\\_%' or datname like 'vigil\\_browse\\_%'")).rows.map((r) => r.d);
  const liveCount = async (table: string): Promise<number> => {
    const client = new pg.Client({ connectionString: withDatabase(base, name) });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]?.n);
    } finally {
      await client.end();
    }
  };

  before(async () => {
    await admin.connect();
    await admin.query(`create database ${name}`);
    f = await makeBackupFixture({ databaseUrl: withDatabase(base, name) });
    const seal = (field: 'mrn' | 'givenName' | 'familyName' | 'birthDate' | 'sex', value: string) => f.platform.sealer.seal(Buffer.from(value), PhiSealing.context(field, 'org-1', 'patient-1'));
    const now = f.clock.now().toISOString();
    await f.platform.database.db
      .insertInto('patients')
      .values({ id: 'patient-1', org_id: 'org-1', mrn_index: 'z'.repeat(64), mrn_sealed: seal('mrn', 'MRN-9'), given_name_sealed: seal('givenName', 'Grace'), family_name_sealed: seal('familyName', 'Hopper'), birth_date_sealed: seal('birthDate', '1906-12-09'), sex_sealed: seal('sex', 'female'), created_at: now, created_by: 't', updated_at: now })
      .execute();
    const rows = [1, 2, 3].map((seq) => ({ org_id: 'org-1', device_id: 'dev-1', patient_id: 'patient-1', seq, idx: 0, metric: '8867-4', value: 70 + seq, unit: '/min', measured_at: new Date(Date.parse(now) - (4 - seq) * 60_000).toISOString(), received_at: now, digest: null }));
    await f.platform.database.db.insertInto('telemetry_readings').values(rows).execute();
    const created = await f.service.create(ctx);
    assert.equal(created.outcomes[0]?.ok, true, created.outcomes[0]?.error);
    id = created.id;
    await f.platform.withAuditStore((store) => f.platform.auditLog.checkpointIfDue(store, true));
    f.clock.advance(20 * 60_000);
  });
  after(async () => {
    await f.dispose();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  test('ok/a drill restores the pg_dump into a scratch database, boots on it, passes every check, and drops it', async () => {
    const before = await scratchDatabases();
    const liveReadings = await liveCount('telemetry_readings');
    const { signed } = await drillNow(
      { target: f.target, identity: f.drillKey, live: { platform: f.platform, service: f.service }, objectives, reportDir: join(f.root, 'drills'), scratchRoot: join(f.root, 'scratch') },
      ctx,
    );
    const r = signed.report;
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(r.checks.map((c) => c.name), ['restore', 'readyz', 'audit-verify', 'sealed-phi-opens', 'device-ca-signs', 'last-telemetry']);
    assert.match(r.checks[3]?.detail ?? '', /^1 of 1/);
    assert.ok(r.rtoMs !== null && r.rtoMs > 0);
    assert.equal(r.rpoMs, 20 * 60_000);
    assert.deepEqual(await scratchDatabases(), before);
    assert.equal(await liveCount('telemetry_readings'), liveReadings);
    assert.equal((await f.service.runs('drill'))[0]?.outcome, 'success');
  });

  test('ok/a whole-host-loss drill (no live system) restores on the server it is given', async () => {
    const { signed } = await drillNow(
      { target: f.target, identity: f.recoveryKey, databaseUrl: base, objectives, reportDir: join(f.root, 'drills-offline'), scratchRoot: join(f.root, 'scratch') },
      ctx,
    );
    assert.equal(signed.report.ok, true, JSON.stringify(signed.report.checks));
    assert.notEqual(signed.signature.keyId, 'unsigned');
  });

  test('fail/a drill of a PostgreSQL backup with no PostgreSQL server to restore on is refused', async () => {
    await assert.rejects(
      drillNow({ target: f.target, identity: f.recoveryKey, objectives, reportDir: join(f.root, 'drills-none'), scratchRoot: join(f.root, 'scratch') }, ctx),
      (e: unknown) => isAppError(e) && e.code === 'BACKUP_ENGINE_MISMATCH',
    );
  });

  test("ok/browse reads a patient's records out of the backup through a scratch database, audited, and drops it", async () => {
    const before = await scratchDatabases();
    const bundle = await browseBackup(f.platform, { target: f.target, identity: f.drillKey, backupId: id, reason: REASON, patientId: 'patient-1' }, ctx);
    const types = bundle.entry.map((e) => (e.resource as { resourceType: string }).resourceType);
    assert.equal(types[0], 'Patient');
    assert.equal(types.filter((t) => t === 'Observation').length, 3);
    assert.match(JSON.stringify(bundle.entry[0]), /Grace/);
    const events = await f.platform.auditReader().readAfter(0, 10_000);
    const read = events.find((e) => e.action === 'backup.browse.phi_read');
    assert.equal(read?.targetId, 'patient-1');
    assert.doesNotMatch(JSON.stringify(read), /cardiologist/);
    assert.deepEqual(await scratchDatabases(), before);
  });

  test('fail/browse of a patient the backup does not hold fails, audits no read, and still drops the scratch database', async () => {
    const before = await scratchDatabases();
    const reads = async () => (await f.platform.auditReader().readAfter(0, 10_000)).filter((e) => e.action === 'backup.browse.phi_read').length;
    const readsBefore = await reads();
    await assert.rejects(
      browseBackup(f.platform, { target: f.target, identity: f.drillKey, backupId: id, reason: REASON, patientId: 'patient-404' }, ctx),
      (e: unknown) => isAppError(e) && e.code === 'BACKUP_NOT_FOUND',
    );
    assert.equal(await reads(), readsBefore);
    assert.deepEqual(await scratchDatabases(), before);
  });
});
