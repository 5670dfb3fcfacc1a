/**
 * A clean, mutable in-memory ComplianceEvidence for tests: every built-in check passes on it
 * (except the not-applicable ones while no backup or firmware view is set). Tests seed one
 * violation at a time by mutating the arrays and settings.
 */
import { authorizeDevicePublishLike, authorizeDeviceSubscribeLike } from './fake-acl.js';
import {
  DEFAULT_POLICY,
  type AuditIntegrityFacts,
  type BackupEvidence,
  type BreakGlassFacts,
  type CaFacts,
  type CertificateFacts,
  type CompliancePolicy,
  type ComplianceEvidence,
  type DeadLetterFacts,
  type DeviceFacts,
  type EnrollmentTokenFacts,
  type FirmwareEvidence,
  type KeyFacts,
  type ServiceAccountFacts,
  type SettingsFacts,
  type TrainingFacts,
  type UserFacts,
} from './evidence.js';

export const NOW = new Date('2026-06-01T12:00:00.000Z');

export function isoAgo(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * 86_400_000).toISOString();
}

export interface FakeEvidence extends ComplianceEvidence {
  policy: CompliancePolicy;
  settings: SettingsFacts;
  deviceRows: DeviceFacts[];
  certificateRows: CertificateFacts[];
  tokenRows: EnrollmentTokenFacts[];
  caRows: CaFacts[];
  connected: Array<{ deviceId: string; certSerial: string | null }>;
  aclOpen: boolean;
  userRows: UserFacts[];
  trainingRows: TrainingFacts[];
  breakGlassRows: BreakGlassFacts[];
  serviceRows: ServiceAccountFacts[];
  keyRows: KeyFacts[];
  audit: AuditIntegrityFacts;
  deadLetterRows: DeadLetterFacts[];
  backups?: BackupEvidence;
  firmware?: FirmwareEvidence;
}

export function cleanEvidence(now: Date = NOW): FakeEvidence {
  const fake: FakeEvidence = {
    policy: DEFAULT_POLICY,
    settings: {
      passwordPreset: 'nist',
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 12,
      lockoutThreshold: 5,
      tlsMinVersion: 'TLSv1.2',
      tlsCiphers: ['TLS_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
      csrCurves: ['P-256', 'P-384'],
      auditCheckpointIntervalSeconds: 60,
      enrollmentTokenTtlMinutes: 60,
      detectors: { all: true, bruteForce: true, deviceAcl: true },
      deviceSilence: { enabled: true, defaultIntervalSeconds: 900, models: {} },
      insecureFlags: { allowPlaintextDatabase: false },
    },
    deviceRows: [
      { id: 'dev-00000001', orgId: 'org-1', model: 'pulse-ox', status: 'active', statusChangedAt: isoAgo(30, now), createdAt: isoAgo(30, now), lastSeenAt: isoAgo(0.001, now), certSerial: 'S1', certFingerprint: 'F1' },
      { id: 'dev-00000002', orgId: 'org-1', model: 'pulse-ox', status: 'active', statusChangedAt: isoAgo(30, now), createdAt: isoAgo(30, now), lastSeenAt: isoAgo(0.002, now), certSerial: 'S2', certFingerprint: 'F2' },
    ],
    certificateRows: [
      { serial: 'S1', orgId: 'org-1', deviceId: 'dev-00000001', fingerprint: 'F1', notBefore: isoAgo(30, now), notAfter: isoAgo(-60, now), revokedAt: null },
      { serial: 'S2', orgId: 'org-1', deviceId: 'dev-00000002', fingerprint: 'F2', notBefore: isoAgo(30, now), notAfter: isoAgo(-60, now), revokedAt: null },
    ],
    tokenRows: [{ id: 'tok-1', orgId: 'org-1', createdAt: isoAgo(0.01, now), expiresAt: isoAgo(-0.03, now) }],
    caRows: [
      { name: 'root', subject: 'CN=Vigil Root CA', notAfter: isoAgo(-3000, now), keyType: 'ec', curve: 'prime256v1', bits: null, revoked: false, activeCertificates: 0 },
      { name: 'device', subject: 'CN=Vigil Device CA', notAfter: isoAgo(-1500, now), keyType: 'ec', curve: 'prime256v1', bits: null, revoked: false, activeCertificates: 2 },
    ],
    connected: [{ deviceId: 'dev-00000001', certSerial: 'S1' }],
    aclOpen: false,
    userRows: [
      { id: 'u-admin', orgId: 'org-1', username: 'admin', roles: ['platform-admin', 'org-admin'], status: 'active', mfaEnrolled: true, lastLoginAt: isoAgo(1, now), createdAt: isoAgo(200, now) },
      { id: 'u-nurse', orgId: 'org-1', username: 'nurse', roles: ['clinician'], status: 'active', mfaEnrolled: false, lastLoginAt: isoAgo(2, now), createdAt: isoAgo(200, now) },
    ],
    trainingRows: [
      { orgId: 'org-1', userId: 'u-admin', expiresAt: isoAgo(-200, now) },
      { orgId: 'org-1', userId: 'u-nurse', expiresAt: isoAgo(-200, now) },
    ],
    breakGlassRows: [{ id: 'bg-1', orgId: 'org-1', userId: 'u-nurse', grantedAt: isoAgo(5, now), reviewedAt: isoAgo(4, now) }],
    serviceRows: [{ id: 'sa-1', orgId: 'org-1', name: 'ehr', createdAt: isoAgo(10, now), expiresAt: isoAgo(-80, now), revokedAt: null }],
    keyRows: [
      { id: 'kek-1', purpose: 'kek', createdAt: isoAgo(100, now), status: 'active' },
      { id: 'kek-0', purpose: 'kek', createdAt: isoAgo(900, now), status: 'retired' },
      { id: 'audit-1', purpose: 'audit-signing', createdAt: isoAgo(100, now), status: 'active' },
    ],
    audit: { ok: true, message: 'audit chain verified: 10 events', headSeq: 10, newestCheckpointAt: isoAgo(0.01, now), newestCheckpointSeq: 10, oldestUnwitnessedAt: null },
    deadLetterRows: [{ orgId: 'org-1', channelId: 'ch-1', open: 0 }],
    devices: () => Promise.resolve(fake.deviceRows),
    certificates: () => Promise.resolve(fake.certificateRows),
    openEnrollmentTokens: () => Promise.resolve(fake.tokenRows),
    caCertificates: () => Promise.resolve(fake.caRows),
    connectedDevices: () => Promise.resolve(fake.connected),
    topicAllowed: (deviceId, action, topic) =>
      fake.aclOpen || (action === 'publish' ? authorizeDevicePublishLike(deviceId, topic) : authorizeDeviceSubscribeLike(deviceId, topic)),
    users: () => Promise.resolve(fake.userRows),
    training: () => Promise.resolve(fake.trainingRows),
    breakGlass: () => Promise.resolve(fake.breakGlassRows),
    serviceAccounts: () => Promise.resolve(fake.serviceRows),
    keys: () => Promise.resolve(fake.keyRows),
    auditIntegrity: () => Promise.resolve(fake.audit),
    deadLetters: () => Promise.resolve(fake.deadLetterRows),
  };
  return fake;
}

export function cleanBackups(now: Date = NOW): BackupEvidence {
  return {
    latestBackup: () => Promise.resolve({ id: 'b-1', at: isoAgo(0.5, now), verified: true }),
    latestDrill: () => Promise.resolve({ id: 'd-1', at: isoAgo(20, now), ok: true }),
    maxBackupAgeHours: 26,
    maxDrillAgeDays: 90,
  };
}

export function cleanFirmware(): FirmwareEvidence {
  return { unattestedDevices: () => Promise.resolve([]), endOfSupportDevices: () => Promise.resolve([]) };
}
