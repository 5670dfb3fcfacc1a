/**
 * Every built-in check passes on a clean system and fails on one seeded violation (ok/... and
 * fail/...), naming the affected resource. Checks whose module is absent answer not_applicable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILT_IN_CHECKS, buildCatalogue, runChecks } from './catalogue.js';
import { cleanBackups, cleanEvidence, cleanFirmware, isoAgo, NOW, type FakeEvidence } from './fake-evidence.js';

type Seed = (e: FakeEvidence) => void;

/** check id -> [a seeded violation, the resource id it must name] */
const VIOLATIONS: Record<string, readonly [Seed, string]> = {
  'DEV-CERT-EXPIRING': [(e) => void (e.certificateRows[0] = { ...e.certificateRows[0]!, notAfter: isoAgo(-10) }), 'dev-00000001'],
  'DEV-CERT-OLD': [(e) => void (e.certificateRows[1] = { ...e.certificateRows[1]!, notBefore: isoAgo(500) }), 'dev-00000002'],
  'DEV-KEY-WEAK': [(e) => void (e.caRows[1] = { ...e.caRows[1]!, keyType: 'rsa', curve: null, bits: 1024 }), 'device'],
  'DEV-REVOKED-CERT-IN-USE': [(e) => void (e.certificateRows[0] = { ...e.certificateRows[0]!, revokedAt: isoAgo(1) }), 'dev-00000001'],
  'DEV-CERT-SHARED': [(e) => void (e.deviceRows[1] = { ...e.deviceRows[1]!, certFingerprint: 'F1' }), 'dev-00000002'],
  'DEV-CA-EXPIRING': [(e) => void (e.caRows[1] = { ...e.caRows[1]!, notAfter: isoAgo(-20) }), 'device'],
  'DEV-CA-EXPIRING-YEAR': [(e) => void (e.caRows[0] = { ...e.caRows[0]!, notAfter: isoAgo(-200) }), 'root'],
  'DEV-REVOKED-CA-ACTIVE-CERTS': [(e) => void (e.caRows[1] = { ...e.caRows[1]!, revoked: true }), 'device'],
  'DEV-TOPIC-ACL-WIDE': [(e) => void (e.aclOpen = true), 'subscribe:#'],
  'DEV-ATTESTATION': [
    (e) => void (e.firmware = { ...cleanFirmware(), unattestedDevices: () => Promise.resolve([{ deviceId: 'dev-00000001', orgId: 'org-1', reason: 'unknown hash' }]) }),
    'dev-00000001',
  ],
  'DEV-FIRMWARE-EOS': [
    (e) =>
      void (e.firmware = { ...cleanFirmware(), endOfSupportDevices: () => Promise.resolve([{ deviceId: 'dev-00000002', orgId: 'org-1', release: '1.0.0', endOfSupport: isoAgo(3) }]) }),
    'dev-00000002',
  ],
  'DEV-QUARANTINE-UNRESOLVED': [(e) => void (e.deviceRows[0] = { ...e.deviceRows[0]!, status: 'quarantined', statusChangedAt: isoAgo(10) }), 'dev-00000001'],
  'DEV-SILENT': [(e) => void (e.deviceRows[1] = { ...e.deviceRows[1]!, lastSeenAt: isoAgo(1) }), 'dev-00000002'],
  'DEV-ENROLL-TOKEN-LONG': [(e) => void e.tokenRows.push({ id: 'tok-long', orgId: 'org-1', createdAt: isoAgo(1), expiresAt: isoAgo(-6) }), 'tok-long'],
  'PPL-PRIVILEGED-NO-MFA': [(e) => void (e.userRows[0] = { ...e.userRows[0]!, mfaEnrolled: false }), 'u-admin'],
  'PPL-TRAINING-LAPSED': [(e) => void (e.trainingRows[1] = { ...e.trainingRows[1]!, expiresAt: isoAgo(1) }), 'u-nurse'],
  'PPL-INACTIVE-ACCOUNT': [(e) => void (e.userRows[1] = { ...e.userRows[1]!, lastLoginAt: isoAgo(120) }), 'u-nurse'],
  'PPL-BREAK-GLASS-UNREVIEWED': [(e) => void e.breakGlassRows.push({ id: 'bg-2', orgId: 'org-1', userId: 'u-nurse', grantedAt: isoAgo(4), reviewedAt: null }), 'bg-2'],
  'PPL-SERVICE-ACCOUNT-NO-EXPIRY': [(e) => void e.serviceRows.push({ id: 'sa-2', orgId: 'org-1', name: 'forever', createdAt: isoAgo(1), expiresAt: isoAgo(-3650), revokedAt: null }), 'sa-2'],
  'PPL-PASSWORD-SESSION-POLICY': [(e) => void (e.settings = { ...e.settings, sessionIdleMinutes: 60 }), 'sessions.idleMinutes'],
  'PLT-AUDIT-CHAIN': [(e) => void (e.audit = { ...e.audit, ok: false, message: 'seq 7: hash mismatch' }), 'chain'],
  'PLT-AUDIT-CHECKPOINTS-OFF': [(e) => void (e.settings = { ...e.settings, auditCheckpointIntervalSeconds: 86_400 }), 'audit.checkpointIntervalSeconds'],
  'PLT-KEY-AGE': [(e) => void (e.keyRows[0] = { ...e.keyRows[0]!, createdAt: isoAgo(400) }), 'kek'],
  'PLT-TLS-PROFILE': [(e) => void (e.settings = { ...e.settings, tlsCiphers: [...e.settings.tlsCiphers, 'AES128-SHA'] }), 'AES128-SHA'],
  'PLT-BACKUP-RECENT': [(e) => void (e.backups = { ...cleanBackups(), latestBackup: () => Promise.resolve({ id: 'b-0', at: isoAgo(3), verified: true }) }), 'latest'],
  'PLT-DR-DRILL': [(e) => void (e.backups = { ...cleanBackups(), latestDrill: () => Promise.resolve(null) }), 'latest'],
  'PLT-DETECTORS-ENABLED': [(e) => void (e.settings = { ...e.settings, detectors: { ...e.settings.detectors, bruteForce: false } }), 'bruteForce'],
  'PLT-DEAD-LETTERS': [(e) => void (e.deadLetterRows[0] = { ...e.deadLetterRows[0]!, open: 3 }), 'ch-1'],
  'PLT-INSECURE-FLAGS': [(e) => void (e.settings = { ...e.settings, insecureFlags: { allowPlaintextDatabase: true } }), 'insecure.allowPlaintextDatabase'],
};

/** Checks that need an optional module view: the clean system gets it for ok/..., and NA without it. */
const NEEDS: Record<string, (e: FakeEvidence) => void> = {
  'DEV-ATTESTATION': (e) => void (e.firmware = cleanFirmware()),
  'DEV-FIRMWARE-EOS': (e) => void (e.firmware = cleanFirmware()),
  'PLT-BACKUP-RECENT': (e) => void (e.backups = cleanBackups()),
  'PLT-DR-DRILL': (e) => void (e.backups = cleanBackups()),
};

async function runOne(id: string, evidence: FakeEvidence) {
  const check = BUILT_IN_CHECKS.find((c) => c.id === id);
  assert.ok(check, id);
  const [result] = await runChecks([check], evidence, NOW, 'full');
  assert.ok(result);
  return result;
}

describe('audit checks', () => {
  it('every built-in check has a seeded violation in this table', () => {
    assert.deepEqual(BUILT_IN_CHECKS.map((c) => c.id).sort(), Object.keys(VIOLATIONS).sort());
  });

  for (const check of BUILT_IN_CHECKS) {
    it(`ok/${check.id} passes on a clean system`, async () => {
      const evidence = cleanEvidence();
      NEEDS[check.id]?.(evidence);
      const result = await runOne(check.id, evidence);
      assert.equal(result.status, 'pass', result.detail);
    });

    it(`fail/${check.id} fails on a seeded violation and names the resource`, async () => {
      const evidence = cleanEvidence();
      NEEDS[check.id]?.(evidence);
      const [seed, resource] = VIOLATIONS[check.id] ?? assert.fail(`no seed for ${check.id}`);
      seed(evidence);
      const result = await runOne(check.id, evidence);
      assert.equal(result.status, 'fail', result.detail);
      assert.ok(result.violations.some((v) => v.resourceId === resource), `${check.id} names ${resource}: ${JSON.stringify(result.violations)}`);
    });

    it(`ok/${check.id} has its catalogue entry`, () => {
      assert.match(check.id, /^(DEV|PPL|PLT)-[A-Z0-9-]+$/);
      assert.ok(check.title.length > 5 && check.remediation.length > 10);
      assert.ok(check.controls.length > 0 && check.controls.every((c) => c.hipaa.startsWith('§164.') && 'ABCDEFGH'.includes(c.fda)));
    });
  }

  for (const id of Object.keys(NEEDS)) {
    it(`ok/${id} is not applicable, with the reason, while its module is absent`, async () => {
      const result = await runOne(id, cleanEvidence());
      assert.equal(result.status, 'not_applicable');
      assert.match(result.detail, /not part of this build/);
    });
  }

  it('fail/a check that throws is recorded as error, and the others still run', async () => {
    const evidence = cleanEvidence();
    evidence.users = () => Promise.reject(new Error('store down'));
    const results = await runChecks(BUILT_IN_CHECKS, evidence, NOW, 'full');
    const mfa = results.find((r) => r.checkId === 'PPL-PRIVILEGED-NO-MFA');
    assert.equal(mfa?.status, 'error');
    assert.equal(mfa.detail, 'store down');
    assert.equal(results.length, BUILT_IN_CHECKS.length);
    assert.equal(results.find((r) => r.checkId === 'DEV-CERT-SHARED')?.status, 'pass');
  });

  it('fail/PLT-AUDIT-CHAIN names the checkpoint when events stay unwitnessed beyond the policy', async () => {
    const evidence = cleanEvidence();
    evidence.audit = { ...evidence.audit, headSeq: 50, newestCheckpointSeq: 10, oldestUnwitnessedAt: isoAgo(2) };
    const result = await runOne('PLT-AUDIT-CHAIN', evidence);
    assert.equal(result.status, 'fail');
    assert.equal(result.violations[0]?.resourceId, 'checkpoint');
  });

  it('ok/PLT-AUDIT-CHAIN accepts fresh events waiting for their first checkpoint', async () => {
    const evidence = cleanEvidence();
    evidence.audit = { ...evidence.audit, headSeq: 1, newestCheckpointSeq: 0, newestCheckpointAt: null, oldestUnwitnessedAt: isoAgo(0.01) };
    assert.equal((await runOne('PLT-AUDIT-CHAIN', evidence)).status, 'pass');
  });

  it('ok/the daily cadence runs only the cheap checks', async () => {
    const results = await runChecks(BUILT_IN_CHECKS, cleanEvidence(), NOW, 'daily');
    assert.ok(results.length < BUILT_IN_CHECKS.length);
    assert.ok(!results.some((r) => r.checkId === 'PLT-AUDIT-CHAIN'));
  });

  it('fail/a duplicate check id is refused', () => {
    assert.throws(() => buildCatalogue([BUILT_IN_CHECKS[0]!]), /duplicate check id/);
  });
});
