/**
 * The accounting of disclosures (HIPAA §164.528) over a real platform (SQLite, key store, audit
 * chain, ManualClock): every §164.528(a)(1) exclusion refused by name, (b)(3) summaries, an
 * agency's suspension hiding then releasing, the six-year window and retention, tenancy (404),
 * the PHI rule (training, then care team or patients:disclosures), sealing, and audit events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXCLUSIONS, type DisclosureInput } from '../disclosures/index.js';
import { newId, SYSTEM_PRINCIPAL } from '../kernel/index.js';
import { ADA, ALAN, auditEvents, contextOf, makePatientsHarness, makeUser, rejectsWith, train, type PatientsHarness, type UserPrincipal } from './patients-fixtures.js';

const DAY = 86_400_000;

describe('accounting of disclosures', () => {
  let h: PatientsHarness;
  const orgA = newId();
  const orgB = newId();
  let admin: UserPrincipal;
  let doctor: UserPrincipal;
  let untrainedDoctor: UserPrincipal;
  let outsiderDoctor: UserPrincipal;
  let officer: UserPrincipal;
  let foreignOfficer: UserPrincipal;
  let adaId: string;
  let alanId: string;
  let foreignPatientId: string;

  const input = (over: Partial<DisclosureInput> = {}): DisclosureInput => ({
    disclosedAt: new Date(h.clock.now().getTime() - DAY).toISOString(),
    recipientName: 'County Health Department',
    recipientAddress: '1 Main St, Springfield',
    description: 'Diagnosis and test results of a reportable disease',
    purpose: 'public-health',
    purposeStatement: 'Mandatory report of a communicable disease',
    ...over,
  });

  before(async () => {
    h = await makePatientsHarness();
    admin = makeUser(orgA, ['org-admin'], 'admin');
    doctor = makeUser(orgA, ['clinician'], 'doctor');
    untrainedDoctor = makeUser(orgA, ['clinician'], 'untrained');
    outsiderDoctor = makeUser(orgA, ['clinician'], 'outsider');
    officer = makeUser(orgA, ['security-officer'], 'officer');
    const foreignAdmin = makeUser(orgB, ['org-admin'], 'b-admin');
    foreignOfficer = makeUser(orgB, ['security-officer'], 'b-officer');
    h.users.add(admin, doctor, untrainedDoctor, outsiderDoctor, officer, foreignAdmin, foreignOfficer);
    for (const u of [admin, doctor, outsiderDoctor, officer]) await train(h, admin, u, 3 * 365);
    for (const u of [foreignAdmin, foreignOfficer]) await train(h, foreignAdmin, u, 3 * 365);
    adaId = (await h.records.create(contextOf(admin), ADA)).id;
    alanId = (await h.records.create(contextOf(admin), ALAN)).id;
    foreignPatientId = (await h.records.create(contextOf(foreignAdmin), ADA)).id;
    await h.records.updateCareTeam(contextOf(admin), adaId, [
      { userId: doctor.id, role: 'primary' },
      { userId: untrainedDoctor.id, role: 'member' },
    ]);
  });
  after(() => h.dispose());

  it('fail/each §164.528(a)(1) exclusion is refused, naming it, and nothing is stored', async () => {
    const d = h.platform.disclosures;
    for (const [exclusion, text] of Object.entries(EXCLUSIONS)) {
      await assert.rejects(d.record(contextOf(officer), alanId, input({ purpose: exclusion })), (error: unknown) => {
        rejectsWith('DISCLOSURES_EXCLUDED')(error);
        assert.match((error as { publicMessage: string }).publicMessage, new RegExp(text.slice(0, 20).replace(/[()§.]/g, '.')));
        return true;
      });
    }
    assert.equal(Object.keys(EXCLUSIONS).length, 11);
    assert.deepEqual(await d.list(contextOf(officer), alanId), []);
  });

  it('fail/invalid input: unknown purpose, future date, empty recipient, oral suspension over 30 days', async () => {
    const d = h.platform.disclosures;
    await assert.rejects(d.record(contextOf(officer), alanId, input({ purpose: 'marketing' })), rejectsWith('DISCLOSURES_INVALID'));
    await assert.rejects(d.record(contextOf(officer), alanId, input({ disclosedAt: new Date(h.clock.now().getTime() + DAY).toISOString() })), rejectsWith('DISCLOSURES_INVALID'));
    await assert.rejects(d.record(contextOf(officer), alanId, input({ recipientName: '   ' })), rejectsWith('DISCLOSURES_INVALID'));
    const endsAt = new Date(h.clock.now().getTime() + 31 * DAY).toISOString();
    await assert.rejects(d.suspend(contextOf(officer), alanId, { agency: 'State Police', statementKind: 'oral', statement: 'Ongoing investigation', endsAt }), rejectsWith('DISCLOSURES_INVALID'));
  });

  it('ok/repeated disclosures to one recipient for one purpose are summarized (first, count, last); others stay apart', async () => {
    const d = h.platform.disclosures;
    const now = h.clock.now().getTime();
    for (const daysAgo of [40, 30, 20, 10]) {
      await d.record(contextOf(officer), adaId, input({ disclosedAt: new Date(now - daysAgo * DAY).toISOString(), recipientName: daysAgo === 20 ? '  county HEALTH department ' : 'County Health Department' }));
    }
    await d.record(contextOf(officer), adaId, input({ recipientName: 'Springfield Court', purpose: 'judicial-proceeding', purposeStatement: 'Subpoena 2026-17', disclosedAt: new Date(now - 15 * DAY).toISOString() }));
    const accounting = await d.accounting(contextOf(officer), adaId);
    assert.equal(accounting.totalDisclosures, 5);
    assert.equal(accounting.entries.length, 2);
    const health = accounting.entries.find((e) => e.purpose === 'public-health');
    assert.ok(health?.summary);
    assert.equal(health.summary.count, 4);
    assert.equal(health.summary.firstAt, new Date(now - 40 * DAY).toISOString());
    assert.equal(health.summary.lastAt, new Date(now - 10 * DAY).toISOString());
    assert.equal(health.recipientAddress, '1 Main St, Springfield');
    const court = accounting.entries.find((e) => e.purpose === 'judicial-proceeding');
    assert.equal(court?.summary, null);
    const detailed = await d.accounting(contextOf(officer), adaId, { summarize: false });
    assert.equal(detailed.entries.length, 5);
  });

  it('ok/a suspension hides the disclosures to that agency until it ends, then they reappear; recorded and audited', async () => {
    const d = h.platform.disclosures;
    await d.record(contextOf(officer), adaId, input({ recipientName: 'State Health Oversight Board', purpose: 'health-oversight', purposeStatement: 'Audit of licensure' }));
    const before = await d.accounting(contextOf(officer), adaId);
    assert.ok(before.entries.some((e) => e.recipientName === 'State Health Oversight Board'));
    const endsAt = new Date(h.clock.now().getTime() + 10 * DAY).toISOString();
    const suspension = await d.suspend(contextOf(officer), adaId, { agency: 'state health oversight board', official: 'Inspector Q', statementKind: 'written', statement: 'An accounting would impede an ongoing investigation.', endsAt });
    const during = await d.accounting(contextOf(officer), adaId);
    assert.ok(!during.entries.some((e) => e.recipientName === 'State Health Oversight Board'), 'hidden while suspended');
    assert.equal(during.totalDisclosures, before.totalDisclosures - 1);
    // The staff view still lists it: suspension hides from the individual's accounting only.
    assert.ok((await d.list(contextOf(officer), adaId)).some((x) => x.recipientName === 'State Health Oversight Board'));
    assert.deepEqual((await d.suspensions(contextOf(officer), adaId)).map((s) => s.id), [suspension.id]);
    h.clock.advance(10 * DAY);
    const afterEnd = await d.accounting(contextOf(officer), adaId);
    assert.ok(afterEnd.entries.some((e) => e.recipientName === 'State Health Oversight Board'), 'reappears after its end');
    const events = await auditEvents(h);
    const suspend = events.find((e) => e.action === 'disclosures.suspend');
    assert.equal(suspend?.targetId, adaId);
    assert.equal(suspend?.reason, 'written');
    const hidden = events.filter((e) => e.action === 'disclosures.accounting').map((e) => e.details['suspendedHidden']);
    assert.ok(hidden.includes(1) && hidden.at(-1) === 0);
  });

  it('ok/the accounting covers six years before the request; older rows are pruned, younger kept', async () => {
    const d = h.platform.disclosures;
    const now = h.clock.now();
    const sixYears = new Date(now.getTime());
    sixYears.setUTCFullYear(sixYears.getUTCFullYear() - 6);
    const inside = new Date(sixYears.getTime() + DAY).toISOString();
    const outsideWindow = new Date(sixYears.getTime() - DAY / 2).toISOString();
    const tooOld = new Date(sixYears.getTime() - 3 * DAY).toISOString();
    for (const [at, name] of [
      [inside, 'Inside Registry'],
      [outsideWindow, 'Edge Registry'],
      [tooOld, 'Old Registry'],
    ] as const) {
      await d.record(contextOf(officer), alanId, input({ disclosedAt: at, recipientName: name, purpose: 'research' }));
    }
    const names = (await d.accounting(contextOf(officer), alanId)).entries.map((e) => e.recipientName);
    assert.deepEqual(names, ['Inside Registry']);
    const asked = await d.accounting(contextOf(officer), alanId, { from: new Date(sixYears.getTime() + 2 * DAY).toISOString() });
    assert.deepEqual(asked.entries, [], 'a shorter period the individual asks for');
    const pruned = await d.prune({ principal: SYSTEM_PRINCIPAL, requestId: 'retention', source: 'local' });
    assert.equal(pruned.disclosures, 1, 'only the row older than six years and a day');
    const raw = h.platform.database.sqliteHandle?.prepare('SELECT disclosed_at FROM disclosures WHERE patient_id = ? ORDER BY disclosed_at').all(alanId) as Array<{ disclosed_at: string }>;
    assert.deepEqual(raw.map((r) => r.disclosed_at), [outsideWindow, inside]);
    assert.ok((await auditEvents(h)).some((e) => e.action === 'disclosures.prune' && e.details['disclosures'] === 1));
  });

  it('fail/another organization: its officer gets 404 for our patient, and we for theirs', async () => {
    const d = h.platform.disclosures;
    await assert.rejects(d.accounting(contextOf(foreignOfficer), adaId), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(d.record(contextOf(foreignOfficer), adaId, input()), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(d.suspensions(contextOf(foreignOfficer), adaId), rejectsWith('PATIENTS_NOT_FOUND'));
    await assert.rejects(d.list(contextOf(officer), foreignPatientId), rejectsWith('PATIENTS_NOT_FOUND'));
  });

  it('PHI rule: training, then a care relationship or patients:disclosures; denials audited', async () => {
    const d = h.platform.disclosures;
    // care team + training: may record
    const recorded = await d.record(contextOf(doctor), adaId, input({ recipientName: 'Coroner of Springfield', purpose: 'decedents' }));
    assert.equal(recorded.recordedBy, doctor.id);
    // care team without training: refused
    await assert.rejects(d.record(contextOf(untrainedDoctor, 'req-untrained'), adaId, input()), rejectsWith('PATIENTS_TRAINING_REQUIRED'));
    // training without care relationship nor the privacy permission: refused
    await assert.rejects(d.record(contextOf(outsiderDoctor, 'req-outsider'), adaId, input()), rejectsWith('PATIENTS_CARE_RELATIONSHIP_REQUIRED'));
    // a clinician does not hold patients:disclosures: no accounting
    await assert.rejects(d.accounting(contextOf(doctor), adaId), rejectsWith('FORBIDDEN'));
    // a service principal is no person
    await assert.rejects(d.accounting(contextOf({ kind: 'service', id: newId(), orgId: orgA, scopes: [], tokenId: newId() }), adaId), rejectsWith('PATIENTS_PHI_PRINCIPAL_REQUIRED'));
    const events = await auditEvents(h);
    const untrained = events.find((e) => e.requestId === 'req-untrained');
    assert.equal(untrained?.outcome, 'denied');
    assert.equal(untrained?.reason, 'training-required');
    assert.equal(events.find((e) => e.requestId === 'req-outsider')?.reason, 'care-relationship-required');
  });

  it('ok/the content is sealed at rest and audit events carry no recipient or description', async () => {
    const handle = h.platform.database.sqliteHandle;
    assert.ok(handle);
    const rows = handle.prepare('SELECT * FROM disclosures').all() as Array<Record<string, unknown>>;
    assert.ok(rows.length > 0);
    const dump = JSON.stringify(rows);
    for (const secret of ['County Health', 'Main St', 'reportable disease', 'communicable']) assert.ok(!dump.includes(secret), `${secret} is not in clear`);
    const audit = JSON.stringify((await auditEvents(h)).filter((e) => e.action.startsWith('disclosures.')));
    for (const secret of ['County Health', 'Main St', 'reportable disease']) assert.ok(!audit.includes(secret), `${secret} is not in the audit log`);
    const actions = new Set((await auditEvents(h)).map((e) => e.action));
    for (const a of ['disclosures.record', 'disclosures.list', 'disclosures.accounting', 'disclosures.suspend', 'disclosures.suspensions.list', 'disclosures.prune']) assert.ok(actions.has(a), a);
  });

  it('ok/the host operator (cli) records and reads with the organization named', async () => {
    const d = h.platform.disclosures;
    const cli = { principal: { kind: 'cli' as const, id: 'root' }, requestId: 'cli-1', source: 'local' };
    const rec = await d.record(cli, alanId, input({ recipientName: 'Outside Counsel', purpose: 'judicial-proceeding' }), { orgId: orgA });
    assert.equal(rec.recordedBy, 'cli:root');
    await assert.rejects(d.record(cli, alanId, input()), rejectsWith('VALIDATION_FAILED'));
    await assert.rejects(d.accounting(cli, alanId, {}, { orgId: orgB }), rejectsWith('PATIENTS_NOT_FOUND'));
  });
});
