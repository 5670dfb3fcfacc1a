/**
 * `backup browse`: a patient's records and a device's telemetry read out of a backup as FHIR R4,
 * audited in the live system as a PHI access (the reason only as a fingerprint); no reason, no read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browseBackup } from '../composition/browse.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { PhiSealing } from '../patients/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'browse-test', source: 'local' };
const REASON = 'records request from the treating cardiologist, ticket 4711';

describe('sqlite/backup browse', () => {
  let f: BackupFixture;
  let id: string;

  before(async () => {
    f = await makeBackupFixture();
    const seal = (field: 'mrn' | 'givenName' | 'familyName' | 'birthDate' | 'sex', value: string) => f.platform.sealer.seal(Buffer.from(value), PhiSealing.context(field, 'org-1', 'patient-1'));
    const now = f.clock.now().toISOString();
    await f.platform.database.db
      .insertInto('patients')
      .values({ id: 'patient-1', org_id: 'org-1', mrn_index: 'y'.repeat(64), mrn_sealed: seal('mrn', 'MRN-7'), given_name_sealed: seal('givenName', 'Grace'), family_name_sealed: seal('familyName', 'Hopper'), birth_date_sealed: seal('birthDate', '1906-12-09'), sex_sealed: seal('sex', 'female'), created_at: now, created_by: 't', updated_at: now })
      .execute();
    const rows = [1, 2, 3].map((seq) => ({ org_id: 'org-1', device_id: 'dev-1', patient_id: 'patient-1', seq, idx: 0, metric: '8867-4', value: 70 + seq, unit: '/min', measured_at: new Date(Date.parse(now) - (4 - seq) * 60_000).toISOString(), received_at: now, digest: null }));
    await f.platform.database.db.insertInto('telemetry_readings').values(rows).execute();
    id = (await f.service.create(ctx)).id;
  });
  after(() => f.dispose());

  test("ok/a patient's records come back as FHIR, and the read is audited without the reason's text", async () => {
    const bundle = await browseBackup(f.platform, { target: f.target, identity: f.drillKey, backupId: id, reason: REASON, patientId: 'patient-1' }, ctx);
    const types = bundle.entry.map((e) => (e.resource as { resourceType: string }).resourceType);
    assert.equal(types[0], 'Patient');
    assert.equal(types.filter((t) => t === 'Observation').length, 3);
    assert.match(JSON.stringify(bundle.entry[0]), /Grace/);
    const events = await f.platform.auditReader().readAfter(0, 10_000);
    const read = events.find((e) => e.action === 'backup.browse.phi_read');
    assert.equal(read?.targetId, 'patient-1');
    assert.equal(read?.reason, 'workforce_use');
    assert.doesNotMatch(JSON.stringify(read), /cardiologist/);
  });

  test("ok/a device's telemetry over a range", async () => {
    const now = f.clock.now().getTime();
    const bundle = await browseBackup(f.platform, { target: f.target, identity: f.recoveryKey, backupId: id, reason: REASON, device: { id: 'dev-1', from: new Date(now - 150_000).toISOString(), to: new Date(now).toISOString() } }, ctx);
    assert.equal(bundle.entry.length, 2);
  });

  test('fail/no reason, or both a patient and a device, is refused before anything is read', async () => {
    for (const request of [{ reason: '', patientId: 'patient-1' }, { reason: REASON, patientId: 'patient-1', device: { id: 'dev-1', from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' } }]) {
      await assert.rejects(browseBackup(f.platform, { target: f.target, identity: f.drillKey, backupId: id, ...request }, ctx), (e: unknown) => isAppError(e) && e.code === 'VALIDATION_FAILED');
    }
  });
});
