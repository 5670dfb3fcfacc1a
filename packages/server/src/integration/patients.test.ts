/**
 * Patients end to end over a real platform (SQLite, key store, audit chain, ManualClock): the
 * PHI rule, break-glass (grants, expires, alerts, audited, reviewed), training, tenancy, sealing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../kernel/index.js';
import { BREAK_GLASS_EVENT, BREAK_GLASS_UNJUSTIFIED_EVENT } from '../patients/index.js';
import { securityEventStore } from '../storage/index.js';
import { ADA, ALAN, auditEvents, contextOf, makePatientsHarness, makeUser, rejectsWith, train, type PatientsHarness, type UserPrincipal } from './patients-fixtures.js';

const MINUTE = 60_000;

function sqlite(h: PatientsHarness) {
  const handle = h.platform.database.sqliteHandle;
  assert.ok(handle, 'these tests inspect raw SQLite rows');
  return handle;
}

describe('patients', () => {
  let h: PatientsHarness;
  const orgA = newId();
  const orgB = newId();
  let admin: UserPrincipal;
  let doctor: UserPrincipal;
  let nurse: UserPrincipal;
  let officer: UserPrincipal;
  let auditor: UserPrincipal;
  let foreignAdmin: UserPrincipal;
  let foreignDoctor: UserPrincipal;
  let adaId: string;
  let alanId: string;

  before(async () => {
    h = await makePatientsHarness();
    admin = makeUser(orgA, ['org-admin'], 'admin');
    doctor = makeUser(orgA, ['clinician'], 'doctor');
    nurse = makeUser(orgA, ['clinician'], 'nurse');
    officer = makeUser(orgA, ['security-officer'], 'officer');
    auditor = makeUser(orgA, ['auditor'], 'auditor');
    foreignAdmin = makeUser(orgB, ['org-admin'], 'b-admin');
    foreignDoctor = makeUser(orgB, ['clinician'], 'b-doctor');
    h.users.add(admin, doctor, nurse, officer, auditor, foreignAdmin, foreignDoctor);
    await train(h, admin, admin);
    await train(h, admin, doctor);
    await train(h, foreignAdmin, foreignAdmin);
    await train(h, foreignAdmin, foreignDoctor);
    adaId = (await h.records.create(contextOf(admin), ADA)).id;
    alanId = (await h.records.create(contextOf(admin), ALAN)).id;
    await h.records.updateCareTeam(contextOf(admin), adaId, [{ userId: doctor.id, role: 'primary' }, { userId: nurse.id, role: 'member' }]);
  });
  after(() => h.dispose());

  it('ok/care-team member with current training reads the record; the read is audited with fields and basis', async () => {
    const record = await h.records.get(contextOf(doctor, 'req-read-1'), adaId);
    assert.equal(record.familyName, 'Lovelace');
    assert.equal(record.birthDate, '1985-12-10');
    assert.deepEqual(record.access, { basis: 'care-team' });
    assert.deepEqual(record.careTeam, [{ userId: doctor.id, role: 'primary' }, { userId: nurse.id, role: 'member' }]);
    const read = (await auditEvents(h)).find((e) => e.requestId === 'req-read-1');
    assert.ok(read);
    assert.equal(read.action, 'patients.record.read');
    assert.equal(read.outcome, 'success');
    assert.equal(read.actorId, doctor.id);
    assert.equal(read.targetId, adaId);
    assert.equal(read.reason, 'care-team');
    assert.equal(read.details['fields'], 'mrn,givenName,familyName,birthDate,sex');
    assert.ok(!JSON.stringify(read).includes('Lovelace'), 'field names, never values');
  });

  it('fail/not in the care team: PATIENTS_CARE_RELATIONSHIP_REQUIRED, and the denial is audited', async () => {
    await assert.rejects(h.records.get(contextOf(doctor, 'req-deny-care'), alanId), rejectsWith('PATIENTS_CARE_RELATIONSHIP_REQUIRED'));
    const denied = (await auditEvents(h)).find((e) => e.requestId === 'req-deny-care');
    assert.equal(denied?.outcome, 'denied');
    assert.equal(denied?.reason, 'care-relationship-required');
    assert.equal(denied?.targetId, alanId);
  });

  it('fail/in the care team without training: PATIENTS_TRAINING_REQUIRED, audited', async () => {
    await assert.rejects(h.records.get(contextOf(nurse, 'req-deny-train'), adaId), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    const denied = (await auditEvents(h)).find((e) => e.requestId === 'req-deny-train');
    assert.equal(denied?.outcome, 'denied');
    assert.equal(denied?.reason, 'training-required');
  });

  it('fail/expired training blocks PHI reads (ManualClock past the expiry)', async () => {
    const short = makeUser(orgA, ['clinician'], 'short');
    h.users.add(short);
    await train(h, admin, short, 30); // completed yesterday, valid 30 days
    await h.records.updateCareTeam(contextOf(admin), alanId, [{ userId: short.id, role: 'primary' }]);
    assert.equal((await h.records.get(contextOf(short), alanId)).id, alanId);
    h.clock.advance(30 * 86_400_000);
    try {
      await assert.rejects(h.records.get(contextOf(short), alanId), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
      await assert.rejects(h.records.list(contextOf(short)), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    } finally {
      h.clock.advance(-30 * 86_400_000);
      await h.records.updateCareTeam(contextOf(admin), alanId, []);
    }
  });

  it('ok/admins register and manage care teams but still need the PHI rule to open a record', async () => {
    await assert.rejects(h.records.get(contextOf(admin), adaId), rejectsWith('PATIENTS_CARE_RELATIONSHIP_REQUIRED'));
    const directory = await h.records.list(contextOf(admin));
    assert.deepEqual(directory.map((p) => p.displayName).sort(), ['Lovelace, Ada', 'Turing, Alan']);
    assert.ok(directory.every((p) => !p.inCareTeam));
  });

  it('ok/a clinician lists only care-team patients; each shown patient is audited', async () => {
    const list = await h.records.list(contextOf(doctor, 'req-list'));
    assert.deepEqual(list, [{ id: adaId, mrn: 'MRN-0001', displayName: 'Lovelace, Ada', inCareTeam: true }]);
    const events = (await auditEvents(h)).filter((e) => e.requestId === 'req-list');
    assert.deepEqual(events.map((e) => `${e.action}:${e.targetId}`), [`patients.record.list:${adaId}`, `patients.list.read:${orgA}`]);
  });

  it('fail/cross-tenant: another organization gets PATIENTS_NOT_FOUND (404) for read, care team and break-glass', async () => {
    await assert.rejects(h.records.get(contextOf(foreignDoctor), adaId), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(h.records.get(contextOf(foreignAdmin), adaId), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(h.records.updateCareTeam(contextOf(foreignAdmin), adaId, []), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(h.breakGlass.grant(contextOf(foreignDoctor), adaId, 'cardiac arrest in the ED'), rejectsWith('PATIENTS_NOT_FOUND'));
    assert.deepEqual(await h.records.list(contextOf(foreignAdmin)), []);
    assert.notEqual(h.sealing.mrnIndex(orgB, 'MRN-0001'), h.sealing.mrnIndex(orgA, 'MRN-0001'), 'the blind index differs per organization');
    await h.records.create(contextOf(foreignAdmin), ADA); // the same MRN is free in another organization
  });

  it('fail/roles without the permission are refused (auditor, security officer)', async () => {
    await assert.rejects(h.records.get(contextOf(auditor), adaId), rejectsWith('FORBIDDEN'));
    await assert.rejects(h.records.list(contextOf(officer)), rejectsWith('FORBIDDEN'));
    await assert.rejects(h.breakGlass.grant(contextOf(admin), adaId, 'admin wants a peek at it'), rejectsWith('FORBIDDEN'));
  });

  it('fail/the MRN is unique per organization (blind index, case-insensitive)', async () => {
    await assert.rejects(h.records.create(contextOf(admin), { ...ALAN, mrn: 'mrn-0001' }), rejectsWith('PATIENTS_MRN_TAKEN'));
  });

  it('fail/an untrained creator is refused and audited', async () => {
    const untrainedAdmin = makeUser(orgA, ['org-admin']);
    h.users.add(untrainedAdmin);
    await assert.rejects(h.records.create(contextOf(untrainedAdmin, 'req-create-denied'), { ...ALAN, mrn: 'MRN-9' }), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    const denied = (await auditEvents(h)).find((e) => e.requestId === 'req-create-denied');
    assert.equal(denied?.action, 'patients.record.create');
    assert.equal(denied?.outcome, 'denied');
  });

  it('fail/care-team members must be active users of the organization', async () => {
    await assert.rejects(h.records.updateCareTeam(contextOf(admin), adaId, [{ userId: foreignDoctor.id, role: 'member' }]), rejectsWith('PATIENTS_CARE_TEAM_INVALID'));
    await assert.rejects(
      h.records.updateCareTeam(contextOf(admin), adaId, [{ userId: doctor.id, role: 'primary' }, { userId: nurse.id, role: 'primary' }]),
      rejectsWith('PATIENTS_CARE_TEAM_INVALID'),
    );
  });

  it('ok/break-glass grants access at once, fires a high SecurityEvent and a durable row, is audited, and expires by the clock', async () => {
    const er = makeUser(orgA, ['clinician'], 'er'); // untrained and not in the care team
    h.users.add(er);
    await assert.rejects(h.records.get(contextOf(er), alanId), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    const alertsBefore = h.alerts.events.length;
    const grant = await h.breakGlass.grant(contextOf(er, 'req-bg'), alanId, '  Unconscious patient in the ED, no care team reachable  ');
    assert.equal(grant.reason, 'Unconscious patient in the ED, no care team reachable');
    assert.equal(Date.parse(grant.expiresAt) - h.clock.now().getTime(), 60 * MINUTE);

    const alert = h.alerts.events[alertsBefore];
    assert.equal(h.alerts.events.length, alertsBefore + 1);
    assert.equal(alert?.type, BREAK_GLASS_EVENT);
    assert.equal(alert?.severity, 'high');
    assert.equal(alert?.userId, er.id);
    assert.equal(alert?.patientId, alanId);
    assert.equal(alert?.details?.['grantId'], grant.id);
    const rows = await securityEventStore(h.platform.database.db).list(orgA, { type: BREAK_GLASS_EVENT });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.severity, 'high');
    assert.equal(rows[0]?.requestId, 'req-bg');
    assert.ok(!JSON.stringify(rows).includes('Unconscious'), 'the stated reason stays out of security events');

    const record = await h.records.get(contextOf(er, 'req-bg-read'), alanId);
    assert.deepEqual(record.access, { basis: 'break-glass', grantId: grant.id });
    const events = await auditEvents(h);
    const granted = events.find((e) => e.requestId === 'req-bg');
    assert.equal(granted?.action, 'patients.break_glass.grant');
    assert.equal(granted?.targetId, grant.id);
    assert.equal(granted?.details['patientId'], alanId);
    assert.ok(!JSON.stringify(granted).includes('Unconscious'));
    assert.ok(h.sealing.reasonHash(orgA, grant.id, grant.reason) === granted?.details['reasonHash']);
    const read = events.find((e) => e.requestId === 'req-bg-read');
    assert.equal(read?.reason, 'break-glass');
    assert.equal(read?.details['grantId'], grant.id);
    assert.deepEqual((await h.records.list(contextOf(doctor))).map((p) => p.id), [adaId], 'the grant is not for the doctor');

    h.clock.advance(60 * MINUTE - 1);
    assert.equal((await h.records.get(contextOf(er), alanId)).id, alanId, 'still active one ms before expiry');
    h.clock.advance(1);
    await assert.rejects(h.records.get(contextOf(er), alanId), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    await assert.rejects(h.records.get(contextOf(er), adaId), rejectsWith('PATIENTS_TRAINING_REQUIRED'), 'the grant named one patient only');
  });

  it('fail/break-glass needs a reason of 10..500 characters', async () => {
    for (const reason of ['', 'too short', ' '.repeat(20), 'x'.repeat(501)]) {
      await assert.rejects(h.breakGlass.grant(contextOf(doctor), alanId, reason), rejectsWith('PATIENTS_BREAK_GLASS_REASON_INVALID'));
    }
  });

  it('ok/review queue: pending grants for the security officer, reviewed once, audited; unjustified alerts', async () => {
    const pending = await h.breakGlass.list(contextOf(officer, 'req-queue'), 'pending');
    const queueRead = (await auditEvents(h)).find((e) => e.requestId === 'req-queue');
    assert.equal(queueRead?.action, 'patients.break_glass.list');
    assert.equal(queueRead?.details['count'], pending.length);
    assert.ok(pending.length >= 1);
    const target = pending[0];
    assert.ok(target);
    assert.equal(target.status, 'pending');
    await assert.rejects(h.breakGlass.list(contextOf(doctor), 'pending'), rejectsWith('FORBIDDEN'));
    await assert.rejects(h.breakGlass.list(contextOf(foreignAdmin), 'pending'), rejectsWith('FORBIDDEN'));

    const reviewed = await h.breakGlass.review(contextOf(officer, 'req-review'), target.id, 'unjustified', 'No emergency recorded at that time.');
    assert.equal(reviewed.status, 'reviewed');
    assert.equal(reviewed.review?.outcome, 'unjustified');
    assert.equal(reviewed.review?.reviewedBy, officer.id);
    await assert.rejects(h.breakGlass.review(contextOf(officer), target.id, 'justified', 'again'), rejectsWith('PATIENTS_BREAK_GLASS_ALREADY_REVIEWED'));
    assert.ok(!(await h.breakGlass.list(contextOf(officer), 'pending')).some((g) => g.id === target.id));
    assert.ok((await h.breakGlass.list(contextOf(officer), 'reviewed')).some((g) => g.id === target.id && g.review?.note === 'No emergency recorded at that time.'));
    const audit = (await auditEvents(h)).find((e) => e.requestId === 'req-review');
    assert.equal(audit?.action, 'patients.break_glass.review');
    assert.equal(audit?.reason, 'unjustified');
    assert.equal(h.alerts.events.at(-1)?.type, BREAK_GLASS_UNJUSTIFIED_EVENT);
  });

  it('fail/a grant cannot be reviewed by its own user, nor found from another organization', async () => {
    const dual = makeUser(orgA, ['clinician', 'security-officer'], 'dual');
    h.users.add(dual);
    const grant = await h.breakGlass.grant(contextOf(dual), adaId, 'Rapid response call on ward 4');
    await assert.rejects(h.breakGlass.review(contextOf(dual), grant.id, 'justified', 'fine'), rejectsWith('PATIENTS_BREAK_GLASS_SELF_REVIEW'));
    const foreignOfficer = makeUser(orgB, ['security-officer']);
    await assert.rejects(h.breakGlass.review(contextOf(foreignOfficer), grant.id, 'justified', 'fine'), rejectsWith('PATIENTS_BREAK_GLASS_NOT_FOUND'));
  });

  it('ok/training records: org-admin records, reads; course codes and dates are checked; other org is 404', async () => {
    const records = await h.training.list(contextOf(admin), doctor.id);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.course, 'hipaa-privacy-security');
    await assert.rejects(h.training.list(contextOf(foreignAdmin), doctor.id), rejectsWith('PATIENTS_USER_NOT_FOUND'));
    await assert.rejects(h.training.record(contextOf(foreignAdmin), doctor.id, { course: 'hipaa-privacy', completedAt: '2026-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' }), rejectsWith('PATIENTS_USER_NOT_FOUND'));
    const bad = [
      { course: 'cooking', completedAt: '2026-01-01T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' },
      { course: 'hipaa-privacy', completedAt: '2030-01-01T00:00:00Z', expiresAt: '2031-01-01T00:00:00Z' },
      { course: 'hipaa-privacy', completedAt: '2026-01-01T00:00:00Z', expiresAt: '2025-01-01T00:00:00Z' },
      { course: 'hipaa-privacy', completedAt: '2026-01-01T00:00:00Z', expiresAt: '2036-01-01T00:00:00Z' },
    ];
    for (const input of bad) await assert.rejects(h.training.record(contextOf(admin), doctor.id, input), rejectsWith('PATIENTS_TRAINING_INVALID'));
    await assert.rejects(h.training.record(contextOf(doctor), nurse.id, bad[0] as never), rejectsWith('FORBIDDEN'));
  });

  it('ok/a non-HIPAA course does not satisfy the PHI rule', async () => {
    const tech = makeUser(orgA, ['clinician'], 'tech');
    h.users.add(tech);
    const now = h.clock.now().toISOString();
    await h.training.record(contextOf(admin), tech.id, { course: 'device-operation', completedAt: now, expiresAt: new Date(Date.parse(now) + 86_400_000).toISOString() });
    await h.records.updateCareTeam(contextOf(admin), alanId, [{ userId: tech.id, role: 'member' }]);
    await assert.rejects(h.records.get(contextOf(tech), alanId), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
  });

  it('ok/PHI is not in the database in plain text', async () => {
    const db = sqlite(h);
    const tables = ['patients', 'break_glass_grants', 'care_team_members', 'security_events', 'audit_events'];
    for (const table of tables) {
      const dump = JSON.stringify(db.prepare(`SELECT * FROM ${table}`).all());
      for (const secret of ['Lovelace', 'LOVELACE', 'Turing', '1985-12-10', 'MRN-0001', 'Unconscious', 'No emergency recorded']) {
        assert.ok(!dump.includes(secret), `${table} holds ${secret}`);
      }
    }
    const row = db.prepare('SELECT family_name_sealed FROM patients WHERE id = ?').get(adaId) as { family_name_sealed: string };
    assert.match(row.family_name_sealed, /^v1\.kek-/);
  });

  it('fail/a ciphertext moved to another patient row (or field) does not open', async () => {
    const db = sqlite(h);
    const ada = db.prepare('SELECT family_name_sealed, given_name_sealed FROM patients WHERE id = ?').get(adaId) as { family_name_sealed: string; given_name_sealed: string };
    db.prepare('UPDATE patients SET family_name_sealed = ? WHERE id = ?').run(ada.family_name_sealed, alanId);
    const grant = await h.breakGlass.grant(contextOf(doctor), alanId, 'Checking a swapped record for the test');
    assert.ok(grant.id);
    await assert.rejects(h.records.get(contextOf(doctor), alanId), rejectsWith('KEYS_CIPHERTEXT_INVALID'));
    db.prepare('UPDATE patients SET family_name_sealed = ? WHERE id = ?').run(ada.given_name_sealed, adaId);
    await assert.rejects(h.records.get(contextOf(doctor), adaId), rejectsWith('KEYS_CIPHERTEXT_INVALID'));
    db.prepare('UPDATE patients SET family_name_sealed = ? WHERE id = ?').run(ada.family_name_sealed, adaId);
    assert.equal((await h.records.get(contextOf(doctor), adaId)).familyName, 'Lovelace');
  });

  it('ok/KEK rotation: rewrap moves every sealed value to the new KEK, records still open, each batch audited', async () => {
    const db = sqlite(h);
    // Restore Alan's row moved by the previous test, re-sealed properly.
    const sealed = h.sealing.sealDemographics(orgA, alanId, ALAN);
    db.prepare('UPDATE patients SET family_name_sealed = ? WHERE id = ?').run(sealed.familyName, alanId);
    const old = h.platform.sealer.activeKeyId();
    await h.platform.keys.rotate('kek');
    const report = await h.platform.patients.rewrap(contextOf({ kind: 'cli', id: 'operator' }));
    assert.notEqual(report.kekId, old);
    assert.ok(report.rewrapped >= 10);
    const left = db.prepare('SELECT COUNT(*) AS n FROM patients WHERE mrn_sealed NOT LIKE ?').get(`v1.${report.kekId}.%`) as { n: number };
    assert.equal(left.n, 0);
    assert.equal((await h.records.get(contextOf(doctor), adaId)).familyName, 'Lovelace');
    assert.equal((await h.platform.patients.rewrap(contextOf({ kind: 'cli', id: 'operator' }))).rewrapped, 0, 'a rerun has nothing to do');
    await assert.rejects(h.platform.patients.rewrap(contextOf(admin)), rejectsWith('FORBIDDEN'));
    const rewraps = (await auditEvents(h)).filter((e) => e.action === 'patients.sealed.rewrap');
    assert.deepEqual(rewraps.map((e) => e.details['table']).sort(), ['break_glass_grants', 'patients']);
  });
});
