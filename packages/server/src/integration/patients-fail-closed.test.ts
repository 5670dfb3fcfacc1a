/**
 * Fail-closed PHI: while the audit store cannot be written, no PHI is answered and no grant is
 * committed or alerted (PRODUCT quality bar: zero responses carrying PHI while audit is failing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { isAppError, newId } from '../kernel/index.js';
import { ADA, contextOf, makePatientsHarness, makeUser, train, type PatientsHarness, type UserPrincipal } from './patients-fixtures.js';

const auditFails = (error: unknown) => isAppError(error) && error.code === 'AUDIT_WRITE_FAILED';

describe('patients fail closed', () => {
  let h: PatientsHarness;
  let doctor: UserPrincipal;
  let patientId: string;

  before(async () => {
    h = await makePatientsHarness();
    const org = newId();
    const admin = makeUser(org, ['org-admin']);
    doctor = makeUser(org, ['clinician']);
    h.users.add(admin, doctor);
    await train(h, admin, admin);
    await train(h, admin, doctor);
    patientId = (await h.records.create(contextOf(admin), ADA)).id;
    await h.records.updateCareTeam(contextOf(admin), patientId, [{ userId: doctor.id, role: 'primary' }]);
    assert.equal((await h.records.get(contextOf(doctor), patientId)).familyName, 'Lovelace');
    await sql`CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit store unwritable'); END`.execute(h.platform.database.db);
  });
  after(() => h.dispose());

  it('fail/no PHI read or list is answered', async () => {
    await assert.rejects(h.records.get(contextOf(doctor), patientId), auditFails);
    await assert.rejects(h.records.list(contextOf(doctor)), auditFails);
  });

  it('fail/a break-glass grant is neither committed nor alerted', async () => {
    const before = h.alerts.events.length;
    await assert.rejects(h.breakGlass.grant(contextOf(doctor), patientId, 'Emergency while audit is down'), auditFails);
    assert.equal(h.alerts.events.length, before);
    const db = h.platform.database.db;
    assert.equal((await db.selectFrom('break_glass_grants').selectAll().execute()).length, 0);
    assert.equal((await db.selectFrom('security_events').selectAll().execute()).length, 0);
  });
});
