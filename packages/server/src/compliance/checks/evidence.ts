/**
 * The read-only evidence audit checks run over: narrow facts from the other modules, gathered by
 * the composition root (composition/compliance.ts) from their stores and configuration.
 *
 * Backups and DR drills, firmware updates and device attestation plug in through the optional views
 * at the bottom (composition/compliance.ts sets both); where a composition leaves a view out, the
 * checks that need it answer "not applicable" with the reason. A module may also add its own checks to the catalogue
 * (catalogue.ts, `buildCatalogue(extra)`).
 *
 * MUST: every method only reads. Facts never carry secrets (no key bytes, no token values, no PHI).
 */
import type { Role } from '../../kernel/index.js';

export interface DeviceFacts {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  readonly status: string;
  readonly statusChangedAt: string;
  readonly createdAt: string;
  readonly lastSeenAt: string | null;
  readonly certSerial: string | null;
  readonly certFingerprint: string | null;
}

export interface CertificateFacts {
  readonly serial: string;
  readonly orgId: string;
  readonly deviceId: string;
  readonly fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly revokedAt: string | null;
}

export interface EnrollmentTokenFacts {
  readonly id: string;
  readonly orgId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** A CA certificate, as parsed by the wiring (no key material). */
export interface CaFacts {
  readonly name: 'root' | 'device';
  readonly subject: string;
  readonly notAfter: string;
  /** 'ec' with a curve, 'rsa' with bits, or 'ed25519'. */
  readonly keyType: string;
  readonly curve: string | null;
  readonly bits: number | null;
  readonly revoked: boolean;
  /** Device certificates issued under this CA that are neither revoked nor expired. */
  readonly activeCertificates: number;
}

export interface UserFacts {
  readonly id: string;
  readonly orgId: string;
  readonly username: string;
  readonly roles: readonly Role[];
  readonly status: string;
  readonly mfaEnrolled: boolean;
  readonly lastLoginAt: string | null;
  readonly createdAt: string;
}

export interface TrainingFacts {
  readonly orgId: string;
  readonly userId: string;
  /** Latest expiry over the user's attestations. */
  readonly expiresAt: string;
}

export interface BreakGlassFacts {
  readonly id: string;
  readonly orgId: string;
  readonly userId: string;
  readonly grantedAt: string;
  readonly reviewedAt: string | null;
}

export interface ServiceAccountFacts {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

export interface KeyFacts {
  readonly id: string;
  readonly purpose: string;
  readonly createdAt: string;
  readonly status: 'active' | 'retired';
}

export interface AuditIntegrityFacts {
  readonly ok: boolean;
  readonly message: string;
  readonly headSeq: number;
  readonly newestCheckpointAt: string | null;
  readonly newestCheckpointSeq: number;
  /** Time of the first event after the newest checkpoint (null: every event is witnessed). */
  readonly oldestUnwitnessedAt: string | null;
}

export interface DeadLetterFacts {
  readonly orgId: string;
  readonly channelId: string;
  readonly open: number;
}

/** The configuration values the checks judge (a subset of Config, plus the TLS profile in force). */
export interface SettingsFacts {
  readonly passwordPreset: string;
  readonly sessionIdleMinutes: number;
  readonly sessionAbsoluteHours: number;
  readonly lockoutThreshold: number;
  readonly tlsMinVersion: string;
  /** OpenSSL names of the suites the listeners offer. */
  readonly tlsCiphers: readonly string[];
  readonly csrCurves: readonly string[];
  readonly auditCheckpointIntervalSeconds: number;
  readonly enrollmentTokenTtlMinutes: number;
  /** detector name -> enabled; `all` is the master switch. */
  readonly detectors: Readonly<Record<string, boolean>>;
  readonly deviceSilence: { readonly enabled: boolean; readonly defaultIntervalSeconds: number; readonly models: Readonly<Record<string, number>> };
  /** insecure.* flag -> on. */
  readonly insecureFlags: Readonly<Record<string, boolean>>;
  /** Insecure flags an approved change recorded on, effective at the next start: flag -> change id. */
  readonly pendingInsecureFlags?: Readonly<Record<string, string>>;
}

/** The organization's policy the settings are judged against (compliance defaults, docs/compliance.md). */
export interface CompliancePolicy {
  readonly allowedPasswordPresets: readonly string[];
  readonly maxSessionIdleMinutes: number;
  readonly maxSessionAbsoluteHours: number;
  readonly maxLockoutThreshold: number;
  readonly privilegedRoles: readonly Role[];
  /** Roles that see PHI and therefore need current HIPAA training. */
  readonly trainedRoles: readonly Role[];
  readonly inactiveDays: number;
  readonly breakGlassReviewHours: number;
  readonly serviceAccountMaxDays: number;
  readonly certificateExpiringDays: number;
  readonly certificateMaxAgeDays: number;
  readonly caExpiringDays: number;
  readonly caEarlyWarningDays: number;
  readonly quarantineMaxDays: number;
  readonly enrollmentTokenMaxHours: number;
  /** Rotation period per key purpose, in days. */
  readonly keyRotationDays: Readonly<Record<string, number>>;
  /** The newest signed checkpoint may be at most this old while events keep arriving. */
  readonly checkpointMaxAgeHours: number;
}

export const DEFAULT_POLICY: CompliancePolicy = {
  allowedPasswordPresets: ['nist', 'regular-change'],
  maxSessionIdleMinutes: 15,
  maxSessionAbsoluteHours: 12,
  maxLockoutThreshold: 10,
  privilegedRoles: ['platform-admin', 'org-admin', 'security-officer'],
  trainedRoles: ['org-admin', 'clinician'],
  inactiveDays: 90,
  breakGlassReviewHours: 72,
  serviceAccountMaxDays: 365,
  certificateExpiringDays: 30,
  certificateMaxAgeDays: 398,
  caExpiringDays: 30,
  caEarlyWarningDays: 365,
  quarantineMaxDays: 7,
  enrollmentTokenMaxHours: 24,
  keyRotationDays: { kek: 365, 'audit-signing': 365, 'ca-device': 1095, 'tls-server': 398, 'ca-root': 3650 },
  checkpointMaxAgeHours: 24,
};

/** Backups and DR drills (the backup module, when it lands). */
export interface BackupEvidence {
  latestBackup(): Promise<{ readonly id: string; readonly at: string; readonly verified: boolean } | null>;
  latestDrill(): Promise<{ readonly id: string; readonly at: string; readonly ok: boolean } | null>;
  readonly maxBackupAgeHours: number;
  readonly maxDrillAgeDays: number;
}

/** Firmware releases and device attestation (the updates module, when it lands). */
export interface FirmwareEvidence {
  /** Devices whose last attestation is missing or names a hash of no known release. */
  unattestedDevices(): Promise<ReadonlyArray<{ readonly deviceId: string; readonly orgId: string; readonly reason: string }>>;
  /** Devices running a release past its end-of-support date. */
  endOfSupportDevices(): Promise<ReadonlyArray<{ readonly deviceId: string; readonly orgId: string; readonly release: string; readonly endOfSupport: string }>>;
}

export interface ComplianceEvidence {
  readonly policy: CompliancePolicy;
  readonly settings: SettingsFacts;
  devices(): Promise<readonly DeviceFacts[]>;
  certificates(): Promise<readonly CertificateFacts[]>;
  openEnrollmentTokens(): Promise<readonly EnrollmentTokenFacts[]>;
  caCertificates(): Promise<readonly CaFacts[]>;
  /** Devices connected to the broker of this process; undefined when no broker runs here (the CLI). */
  connectedDevices?(): Promise<ReadonlyArray<{ readonly deviceId: string; readonly certSerial: string | null }>>;
  /** Whether a device's ACL lets it publish or subscribe to this topic (the broker's own functions). */
  topicAllowed(deviceId: string, action: 'publish' | 'subscribe', topic: string): boolean;
  users(): Promise<readonly UserFacts[]>;
  training(): Promise<readonly TrainingFacts[]>;
  breakGlass(): Promise<readonly BreakGlassFacts[]>;
  serviceAccounts(): Promise<readonly ServiceAccountFacts[]>;
  keys(): Promise<readonly KeyFacts[]>;
  auditIntegrity(): Promise<AuditIntegrityFacts>;
  deadLetters(): Promise<readonly DeadLetterFacts[]>;
  readonly backups?: BackupEvidence;
  readonly firmware?: FirmwareEvidence;
}
