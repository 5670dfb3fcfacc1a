/**
 * The evidence the compliance checks read: the database's facts (devices, certificates, users,
 * training, backups, firmware), the configuration in force, the key list, the CA certificates and
 * the audit chain's verification. Built on the main thread for an audit in process, and in the
 * audit worker (compliance-audit-worker.ts) from the same database on its own connection plus
 * the facts only the main thread holds (settings, keys, CA certificates), passed as data.
 *
 * MUST: evidence is read-only; no key bytes or secrets reach it (the CA part is public certificates).
 */
import { X509Certificate } from 'node:crypto';
import { DEFAULT_POLICY, type AuditIntegrityFacts, type CaFacts, type ComplianceEvidence, type KeyFacts, type SettingsFacts } from '../compliance/index.js';
import { readManagedSettings, type Config } from '../config/index.js';
import { DEFAULT_CSR_KEY_POLICY } from '../identity/ca/index.js';
import type { Clock } from '../kernel/index.js';
import { backupEvidence, complianceEvidenceStore, firmwareEvidence, type SqlDatabase } from '../storage/index.js';
import { TLS_PROFILE } from '../transports/http/index.js';
import { authorizeDevicePublish, authorizeDeviceSubscribe } from '../transports/mqtt/index.js';

/** What only the process that holds the configuration, the key store and the CA knows. */
export interface ProcessFacts {
  readonly settings: SettingsFacts;
  readonly keys: () => Promise<readonly KeyFacts[]>;
  /** The root and device CA certificates (PEM, public). */
  readonly caPems: () => Promise<{ readonly root: string; readonly device: string }>;
  readonly auditIntegrity: () => Promise<AuditIntegrityFacts>;
  /** backup.drillOverdueDays of the configuration. */
  readonly drillOverdueDays: number;
}

/** The evidence of one audit run over `database` (called once per run: the large reads are shared by the checks). */
export function databaseEvidence(database: SqlDatabase, clock: Clock, facts: ProcessFacts): ComplianceEvidence {
  const store = complianceEvidenceStore(database.db);
  const now = () => clock.now().toISOString();
  return {
    policy: DEFAULT_POLICY,
    settings: facts.settings,
    // Read once per run: a dozen checks share them.
    devices: once(() => store.devices()),
    certificates: once(() => store.certificates()),
    openEnrollmentTokens: () => store.openEnrollmentTokens(now()),
    caCertificates: async () => {
      const pems = await facts.caPems();
      const active = await store.activeCertificateCount(now());
      return [caFacts('root', pems.root, 0), caFacts('device', pems.device, active)];
    },
    topicAllowed: (deviceId, action, topic) =>
      action === 'publish' ? authorizeDevicePublish(deviceId, { topic, qos: 1 }).ok : authorizeDeviceSubscribe(deviceId, topic).ok,
    users: once(() => store.users()),
    training: once(() => store.training()),
    breakGlass: () => store.breakGlass(),
    serviceAccounts: () => store.serviceAccounts(),
    keys: facts.keys,
    auditIntegrity: facts.auditIntegrity,
    deadLetters: () => store.deadLetters(),
    // Backups (issue 12): the latest backup must be verified and younger than a day and an hour
    // (hourly by default); a drill younger than backup.drillOverdueDays.
    backups: backupEvidence(database.db, { maxBackupAgeHours: 25, maxDrillAgeDays: facts.drillOverdueDays }),
    // Firmware updates (issue 13): attestations against signed releases and their support dates.
    firmware: firmwareEvidence(database.db, () => clock.now()),
  };
}

export function settingsFacts(config: Config): SettingsFacts {
  const d = config.security.detectors;
  const detectors: Record<string, boolean> = { all: d.enabled };
  for (const [name, value] of Object.entries(d)) {
    if (typeof value === 'object' && value !== null && 'enabled' in value && typeof value.enabled === 'boolean') detectors[name] = value.enabled;
  }
  return {
    passwordPreset: config.passwords.preset,
    sessionIdleMinutes: config.sessions.idleMinutes,
    sessionAbsoluteHours: config.sessions.absoluteHours,
    lockoutThreshold: config.login.lockoutThreshold,
    tlsMinVersion: config.tls.minVersion,
    tlsCiphers: TLS_PROFILE.ciphers.split(':'),
    csrCurves: DEFAULT_CSR_KEY_POLICY.ecCurves,
    auditCheckpointIntervalSeconds: config.audit.checkpointIntervalSeconds,
    enrollmentTokenTtlMinutes: config.devices.enrollmentTokenTtlMinutes,
    detectors,
    deviceSilence: { enabled: d.deviceSilence.enabled, defaultIntervalSeconds: d.deviceSilence.defaultIntervalSeconds, models: d.deviceSilence.models },
    insecureFlags: { ...config.insecure },
  };
}

/** The settings facts with the insecure flags approved changes recorded on (managed-settings.json). */
export function settingsWithPending(config: Config, dataDir: string): SettingsFacts {
  return { ...settingsFacts(config), pendingInsecureFlags: pendingInsecureFlags(dataDir) };
}

/** Insecure flags recorded on by approved changes (managed-settings.json): flag -> change id. */
function pendingInsecureFlags(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, s] of Object.entries(readManagedSettings(dataDir))) if (key.startsWith('insecure.') && s.value === true) out[key.slice('insecure.'.length)] = s.changeId;
  return out;
}

/** The first call's promise, for every later call (a failed read is not retried within the run). */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
}

/** Public facts of a CA certificate: subject, end, key type and size (no key material). */
function caFacts(name: CaFacts['name'], pem: string, activeCertificates: number): CaFacts {
  const cert = new X509Certificate(pem);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  return {
    name,
    subject: cert.subject.replace(/\n/g, ', '),
    notAfter: new Date(cert.validTo).toISOString(),
    keyType: key.asymmetricKeyType ?? 'unknown',
    curve: details.namedCurve ?? null,
    bits: details.modulusLength ?? null,
    revoked: false,
    activeCertificates,
  };
}
