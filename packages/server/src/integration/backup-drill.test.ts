/**
 * DR drills: from the live system (signed by its key, recorded, audited), and after the loss of the
 * whole host, from only the backup target and the recovery key; an overdue drill raises an alert.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canonicalJson, type SignedDrillReport } from '../backup/index.js';
import { drillNow } from '../composition/drill.js';
import { validate } from '../config/index.js';
import { ed25519Verifier } from '../keys/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { PhiSealing } from '../patients/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'drill-test', source: 'local' };
const objectives = validate({}).config.backup.objectives;

describe('sqlite/dr drill', () => {
  let f: BackupFixture;

  before(async () => {
    f = await makeBackupFixture();
    // One patient row with a sealed name, for the "sealed PHI opens" check.
    const { sealer } = f.platform;
    const seal = (field: 'mrn' | 'givenName' | 'familyName' | 'birthDate' | 'sex', value: string) => sealer.seal(Buffer.from(value), PhiSealing.context(field, 'org-1', 'patient-1'));
    await f.platform.database.db
      .insertInto('patients')
      .values({
        id: 'patient-1',
        org_id: 'org-1',
        mrn_index: 'x'.repeat(64),
        mrn_sealed: seal('mrn', 'MRN-1'),
        given_name_sealed: seal('givenName', 'Ada'),
        family_name_sealed: seal('familyName', 'Lovelace'),
        birth_date_sealed: seal('birthDate', '1815-12-10'),
        sex_sealed: seal('sex', 'female'),
        created_at: f.clock.now().toISOString(),
        created_by: 'test',
        updated_at: f.clock.now().toISOString(),
      })
      .execute();
    await f.service.create(ctx);
    await f.platform.withAuditStore((store) => f.platform.auditLog.checkpointIfDue(store, true));
    f.clock.advance(30 * 60_000);
  });
  after(() => f.dispose());

  test('ok/a drill from the live system passes every check, measures RTO and RPO, and is signed, recorded and audited', async () => {
    const { signed, files } = await drillNow(
      { target: f.target, identity: f.drillKey, live: { platform: f.platform, service: f.service }, objectives, reportDir: join(f.root, 'drills'), scratchRoot: join(f.root, 'scratch') },
      ctx,
    );
    const r = signed.report;
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(r.checks.map((c) => c.name), ['restore', 'readyz', 'audit-verify', 'sealed-phi-opens', 'device-ca-signs', 'last-telemetry']);
    assert.match(r.checks[3]?.detail ?? '', /^1 of 1/);
    assert.ok(r.rtoMs !== null && r.rtoMs > 0);
    assert.equal(r.rpoMs, 30 * 60_000);
    assert.equal(r.objectives.length, 5);
    const onDisk = JSON.parse(await readFile(files.json, 'utf8')) as SignedDrillReport;
    const pem = f.platform.keys.publicKeyPem(onDisk.signature.keyId);
    assert.equal(ed25519Verifier.verify(pem, Buffer.from(canonicalJson(onDisk.report)), Buffer.from(onDisk.signature.value, 'base64')), true);
    assert.match(await readFile(files.html, 'utf8'), /PASSED/);
    const runs = await f.service.runs('drill');
    assert.equal(runs[0]?.outcome, 'success');
    assert.equal(await f.service.checkDrillOverdue(100), false);
  });

  test('ok/whole-host loss: only the target and the recovery key reach a working Vigil', async () => {
    await f.platform.close();
    const { signed } = await drillNow({ target: f.target, identity: f.recoveryKey, objectives, reportDir: join(f.root, 'lost-host'), scratchRoot: join(f.root, 'scratch') }, ctx);
    assert.equal(signed.report.ok, true, JSON.stringify(signed.report.checks));
    // Signed by the restored system's own audit key, which is the backup's.
    assert.match(signed.signature.keyId, /^audit-/);
  });
});

describe('sqlite/dr drill overdue', () => {
  test('fail/no successful drill raises an alert', async () => {
    const f = await makeBackupFixture();
    try {
      assert.equal(await f.service.checkDrillOverdue(100), true);
      await f.platform.security.alerts.flush();
      assert.ok(f.alerts.some((a) => a.detector === 'backup-failure' && /drill/.test(a.summary)));
    } finally {
      await f.dispose();
    }
  });
});
