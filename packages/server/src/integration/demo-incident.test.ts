/**
 * The `vigil demo --incident` attack on the seeded demo hospital (real services, detectors and
 * alerts): one incident, the right point of failure, and exactly the patients the attacker read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seed } from '../cli/demo-commands.js';
import { ATTACKER_ADDRESS, playIncidentAttack } from '../cli/demo-incident.js';
import { makePlatform } from './fixtures.js';

test('ok/demo attack: one incident; point of failure = the refused-then-accepted login from the new address; blast radius = exactly the patients read', { timeout: 120_000 }, async () => {
  const t = await makePlatform();
  try {
    const seeded = await seed(t.platform, () => undefined);
    const clinician = seeded.logins.find((l) => l.username === 'dr-ward-a');
    assert.ok(clinician);
    const attack = await playIncidentAttack(t.platform, { admin: seeded.admin, clinician, patientIds: seeded.patientIds, deviceId: 'demo-monitor-5' });
    const incidents = await t.platform.incidents.service.list(seeded.admin, {});
    assert.equal(incidents.length, 1, 'the alerts open one incident');
    const incident = incidents[0];
    assert.ok(incident);
    assert.equal(incident.type, 'malware-in-firmware');
    assert.equal(incident.alertIds.length, 2, 'the firmware alert and the new-address login alert');
    const view = await t.platform.incidents.service.timeline(seeded.admin, attack.incidentId);

    const pof = view.pointOfFailure.earliest;
    assert.equal(pof?.kind, 'refused-then-accepted-login');
    assert.equal(pof?.subject, attack.victimUserId);
    const seqs = (pof?.evidence ?? []).map((r) => Number(r.replace('audit:', '')));
    const rows = await t.platform.database.db.selectFrom('audit_events').select(['seq', 'outcome', 'source', 'action']).where('seq', 'in', seqs).orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => [r.action, r.outcome, r.source]), [
      ['identity.login.attempt', 'failure', ATTACKER_ADDRESS],
      ['identity.login.attempt', 'success', ATTACKER_ADDRESS],
    ]);
    assert.deepEqual(view.pointOfFailure.chain.map((l) => l.kind).sort(), ['access-outside-care-team', 'refused-then-accepted-login', 'unknown-firmware-hash']);

    // Exactly the patients read from the attacker's address: not the one the clinician read at
    // work, not the one outside the care team that was refused.
    assert.deepEqual(view.blastRadius.patients.map((p) => p.id).sort(), [...attack.attackedPatientIds].sort());
    assert.ok(!view.blastRadius.patients.some((p) => p.id === attack.legitimatePatientId));
    for (const p of view.blastRadius.patients) assert.ok(p.evidence.length >= 1 && p.why.every((w) => w.includes(ATTACKER_ADDRESS)));
    assert.deepEqual(view.blastRadius.users.map((u) => u.id), [attack.victimUserId]);
    assert.ok(view.blastRadius.devices.some((d) => d.id === 'demo-monitor-5'));
    assert.deepEqual(view.blastRadius.organizations.map((o) => o.id), [seeded.orgId]);
    assert.ok(view.entries.some((e) => e.source === 'alert') && view.entries.some((e) => e.source === 'audit') && view.entries.some((e) => e.source === 'security-event'));
  } finally {
    await t.dispose();
  }
});
