/**
 * KEK rotation re-wraps EVERYTHING sealed, online (issue 11): patient fields, break-glass texts,
 * TOTP secrets, channel secrets, clinical alert values and the vitals' data keys; afterwards a scan
 * of every text column of the database finds no value under the retired KEK, every value still
 * opens, and writes that run during the rotation do not leave values behind. It runs only as the
 * application of an approved key-rotation change (issue 14), and for platform admins only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelSealContext } from '../alerts/index.js';
import { TOTP_CONTEXT } from '../identity/index.js';
import { cliPrincipal, isAppError, newId, type Principal, type RequestContext } from '../kernel/index.js';
import type { Platform } from '../main.js';
import { changeRequestStore, alertValueContext, clinicalAlertStore, findSealedUnderKek, trainingStore, careTeamStore, vitalsStore } from '../storage/index.js';
import { makePlatform } from './fixtures.js';
import { seedReadings } from './fhir-fixtures.js';

const cli: RequestContext = { principal: cliPrincipal('test'), requestId: 'test', source: 'local' };

/** A key-rotation change already approved by two people (their MFA is tested in compliance/changes): its application's context. */
async function approvedKekChange(platform: Platform, principal: Principal = cli.principal): Promise<RequestContext> {
  const id = newId();
  const at = platform.clock.now().toISOString();
  await changeRequestStore(platform.database.db).insert({
    id, orgId: null, kind: 'key-rotation', target: 'kek', payload: {}, summary: 'rotate the KEK', status: 'approved', emergency: false,
    requestedBy: 'user:a', requestedAt: at, decidedBy: 'user:b', decidedAt: at, decisionNote: null, appliedAt: null, reviewDueAt: null, reviewedBy: null, reviewedAt: null, audit: { seqs: [], requestIds: [] },
  });
  return { principal, requestId: `change-${id}`, source: 'local' };
}

describe('KEK rotation', () => {
  it('ok/everything sealed is re-wrapped, online, and no value under the retired KEK remains anywhere in the database', async () => {
    const tp = await makePlatform();
    const { platform } = tp;
    try {
      const { db } = platform.database;
      const now = platform.clock.now();
      const org = await platform.identity.createOrganization(cli, 'Rotation Hospital');
      const { user } = await platform.identity.createUser(cli, { orgId: org.id, username: 'rot-clinician', displayName: 'R', roles: ['clinician'], password: 'Quartz-Meadow-Lantern-93' });
      await trainingStore(db).insert({
        id: newId(), orgId: org.id, userId: user.id, course: 'hipaa-privacy-security', completedAt: new Date(now.getTime() - 86_400_000).toISOString(),
        expiresAt: new Date(now.getTime() + 86_400_000 * 300).toISOString(), recordedAt: now.toISOString(), recordedBy: 'test',
      });
      const userCtx: RequestContext = {
        principal: { kind: 'user', id: user.id, orgId: org.id, username: 'rot-clinician', roles: ['clinician'], sessionId: 's', mfa: false },
        requestId: 'test',
        source: 'local',
      };
      const patient = await platform.patients.records.create(userCtx, { mrn: 'ROT-1', givenName: 'Rota', familyName: 'Tion', birthDate: '1970-01-01', sex: 'unknown' });
      await careTeamStore(db).replace(org.id, patient.id, [{ userId: user.id, role: 'primary' }], now.toISOString(), 'test');
      const totp = platform.sealer.seal(Buffer.from('JBSWY3DPEHPK3PXP'), TOTP_CONTEXT(user.id));
      await db.updateTable('users').set({ totp_secret_sealed: totp }).where('id', '=', user.id).execute();
      const channelId = newId();
      await db.insertInto('alert_channels').values({
        id: channelId, org_id: org.id, kind: 'webhook', name: 'soc', enabled: 1, min_severity: 'low', target: 'https://soc.example/hook', config: '{}',
        sealed_secrets: platform.sealer.seal(Buffer.from('{"secret":"s3cr3t"}'), channelSealContext(channelId)), created_at: now.toISOString(), created_by: 'test',
      }).execute();
      await clinicalAlertStore(db, platform.vitalsAtRest.alertSealer).insertIfNone({
        id: 'alert-r', orgId: org.id, patientId: patient.id, ruleId: 'rule-r', metric: '8867-4', comparison: 'gt', threshold: 150, value: 171.25,
        severity: 'high', status: 'open', openedAt: now.toISOString(), acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null,
      });
      const at = (s: number) => new Date(now.getTime() - 3_600_000 + s * 1000).toISOString();
      await seedReadings(platform, org.id, 'dev-r', patient.id, [{ seq: 1, at: at(0), readings: [{ metric: '8867-4', value: 71.5, unit: '/min' }] }]);

      const retired = platform.keys.active('kek').id;
      assert.ok((await findSealedUnderKek(platform.database, retired)).length >= 5, 'the fixture seals values in several tables');

      // Online: writes keep sealing while the rotation runs.
      let writing = true;
      const writer = (async () => {
        for (let seq = 2; writing && seq < 200; seq++) {
          await seedReadings(platform, org.id, 'dev-r', patient.id, [{ seq, at: at(seq), readings: [{ metric: '8867-4', value: 70 + seq / 8, unit: '/min' }] }]);
          const sealed = platform.sealer.seal(Buffer.from(`TOTP${seq}`), TOTP_CONTEXT(user.id));
          await db.updateTable('users').set({ totp_secret_sealed: sealed }).where('id', '=', user.id).execute();
        }
      })();
      const report = await platform.rotateKek(await approvedKekChange(platform));
      writing = false;
      await writer;
      assert.equal(report.previousKekId, retired);
      assert.notEqual(report.kekId, retired);
      assert.equal(report.remaining, 0);
      assert.ok((report.rewrapped['patients (service)'] ?? 0) >= 5, JSON.stringify(report.rewrapped));
      assert.ok((report.rewrapped['sealed_data_keys'] ?? 0) >= 1, JSON.stringify(report.rewrapped));
      assert.equal(report.rewrapped['alert_channels.sealed_secrets'], 1);
      assert.equal(report.rewrapped['clinical_alerts.value_sealed'], 1);

      assert.deepEqual(await findSealedUnderKek(platform.database, retired), [], 'a value under the retired KEK remains');
      // Everything still opens.
      assert.equal((await platform.patients.records.get(userCtx, patient.id)).familyName, 'Tion');
      const row = await db.selectFrom('alert_channels').select('sealed_secrets').where('id', '=', channelId).executeTakeFirstOrThrow();
      assert.equal(Buffer.from(platform.sealer.open(row.sealed_secrets ?? '', channelSealContext(channelId))).toString(), '{"secret":"s3cr3t"}');
      assert.equal((await clinicalAlertStore(db, platform.vitalsAtRest.alertSealer).find(org.id, 'alert-r'))?.value, 171.25);
      const latest = await vitalsStore(db, platform.database.dialect, platform.vitalsAtRest.sealing).range(org.id, patient.id, '8867-4', at(0), at(500), 1, 'asc');
      assert.equal(latest[0]?.value, 71.5);
      const alertRow = await db.selectFrom('clinical_alerts').selectAll().where('id', '=', 'alert-r').executeTakeFirstOrThrow();
      assert.ok(platform.sealer.keyIdOf(alertRow.value_sealed ?? '') === report.kekId);
      assert.ok(alertValueContext({ orgId: org.id, id: 'alert-r', patientId: patient.id, ruleId: 'rule-r', metric: '8867-4' }).length > 0);
    } finally {
      await tp.dispose();
    }
  });

  it('fail/only as an approved change, and only for host principals and platform admins', async () => {
    const tp = await makePlatform();
    try {
      const before = tp.platform.keys.active('kek').id;
      await assert.rejects(tp.platform.rotateKek(cli), (e: unknown) => isAppError(e) && e.code === 'COMPLIANCE_CHANGE_REQUIRED', 'not even the host rotates outside a change');
      const clinician: Principal = { kind: 'user', id: 'u', orgId: 'o', username: 'c', roles: ['clinician', 'org-admin', 'security-officer'], sessionId: 's', mfa: true };
      await assert.rejects(tp.platform.rotateKek(await approvedKekChange(tp.platform, clinician)), (e: unknown) => isAppError(e) && e.code === 'FORBIDDEN');
      assert.equal(tp.platform.keys.active('kek').id, before);
    } finally {
      await tp.dispose();
    }
  });
});
