/**
 * Wiring of the compliance module (issue 14): the evidence the audit checks read (stores,
 * configuration, CA certificates, key ages, audit verification, the broker's ACL), the audit-run
 * service with its alerting, and the schedule.
 *
 * MUST: evidence is read-only; nothing here hands key bytes or secrets to compliance.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import type { AlertCandidate, DetectionEngine } from '../alerts/index.js';
import { auditKeysFromList, type AuditLog } from '../audit/index.js';
import { AuditRunService, buildCatalogue, ChangeService, type ChangeApplierRegistry, MitigationService, ReportService, RiskService, VulnerabilityService, emergencyReviewCheck, DEFAULT_AUDIT_SCHEDULE, dueCadence, type AuditCheck, type AuditSchedule, type ComplianceEvidence } from '../compliance/index.js';
import type { Config } from '../config/index.js';
import { openDeviceCa, openRootCa } from '../identity/ca/index.js';
import { ed25519Verifier, keyStorePaths, type KeyProvider } from '../keys/index.js';
import { newId, SYSTEM_PRINCIPAL, type Clock, type RequestContext } from '../kernel/index.js';
import { auditStore, changeRequestStore, failingCheckIds, findingStore, riskStore, vulnerabilityStore, SqlUnitOfWork, type Executor, type SqlDatabase } from '../storage/index.js';
import type { IdentityService } from '../identity/index.js';
import type { DeviceService } from '../devices/index.js';
import { printHtmlToPdf } from './compliance-pdf.js';
import { changeAppliers, type EffectiveConfig } from './change-appliers.js';
import { auditIntegrityOffThread } from './audit-integrity.js';
import { offThreadAudits } from './compliance-off-thread.js';
import { databaseEvidence, settingsFacts, settingsWithPending, type ProcessFacts } from './compliance-evidence.js';

export interface ComplianceWiring {
  readonly audits: AuditRunService;
  readonly changes: ChangeService;
  /** kind -> applier; the updates wiring registers 'firmware-rollout' here (FIRMWARE_ROLLOUT_HOOK). */
  readonly appliers: ChangeApplierRegistry;
  /** The configuration in force: as loaded, then following approved live setting changes. */
  readonly effective: EffectiveConfig;
  readonly risks: RiskService;
  readonly vulnerabilities: VulnerabilityService;
  readonly reports: ReportService;
  readonly mitigations: MitigationService;
  readonly evidence: () => ComplianceEvidence;
}

export interface ComplianceWiringDeps {
  readonly database: SqlDatabase;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly config: Config;
  readonly keys: KeyProvider;
  readonly dataDir: string;
  readonly raiseAlert: (candidate: AlertCandidate) => void;
  /** Identity: step-up MFA for change approvals, role changes as a change applier, and its privileged-role gate. */
  readonly identity: IdentityService;
  /** Devices: quarantine and revocation as mitigation actions. */
  readonly devices: DeviceService;
  /** Vigil's own SBOM (default: dist/sbom.cdx.json beside the compiled server, made by `npm run sbom`). */
  readonly sbomFile?: string;
  /** Checks other modules contribute (vulnerabilities, change control; later firmware, backups). */
  readonly extraChecks?: readonly AuditCheck[];
  /** The platform's KEK rotation with re-wrap, for key-rotation changes (gated on the change). */
  readonly rotateKek?: (ctx: RequestContext) => Promise<unknown>;
  /** The detection engine, rebuilt live by an approved detector-settings change. */
  readonly engine?: DetectionEngine;
  /** Devices plus users from which audits run in a worker thread (default OFF_THREAD_AUDIT_THRESHOLD; tests set 0). */
  readonly auditWorkerThreshold?: number;
}

export function wireCompliance(w: ComplianceWiringDeps): ComplianceWiring {
  const effective: EffectiveConfig = { current: w.config };
  const evidence = () => complianceEvidence(w, effective.current);
  const audit = (executor: Executor) => w.auditLog.writer(auditStore(executor, w.database.dialect));
  const appliers = changeAppliers(() => changes, { database: w.database, auditLog: w.auditLog, clock: w.clock, dataDir: w.dataDir, keys: w.keys, identity: w.identity, effective, ...(w.rotateKek ? { rotateKek: w.rotateKek } : {}), ...(w.engine ? { engine: w.engine } : {}) });
  const changes: ChangeService = new ChangeService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ changes: changeRequestStore(executor), audit: audit(executor) })),
    reader: changeRequestStore(w.database.db),
    clock: w.clock,
    stepUp: (ctx, code) => w.identity.verifyStepUp(ctx, code),
    appliers,
  });
  // A person's grant or removal of a privileged role, and the password policy, change only as an approved change's application.
  w.identity.setPrivilegedRoleGate((ctx, change) => changes.privilegedRoleGate(ctx, change));
  w.identity.setSettingsGate((ctx, kind, target) => changes.requireApproved(ctx, kind, target));
  const changeChecks = [emergencyReviewCheck(() => changeRequestStore(w.database.db).unreviewedEmergencies())];
  let sbom: Promise<unknown> | undefined;
  // Late-bound: the vulnerability service closes findings through the audit service built below.
  const closer: { audits?: AuditRunService } = {};
  const vulnerabilities = new VulnerabilityService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ vulnerabilities: vulnerabilityStore(executor), audit: audit(executor) })),
    reader: vulnerabilityStore(w.database.db),
    clock: w.clock,
    platformSbom: () => (sbom ??= readPlatformSbom(w.sbomFile ?? defaultSbomFile())),
    closeFinding: async (ctx, checkId, resourceId, note) => void (await closer.audits?.closeFinding(ctx, checkId, resourceId, note)),
    maxFeedAgeDays: 30,
  });
  const audits = new AuditRunService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ findings: findingStore(executor), audit: audit(executor) })),
    reader: findingStore(w.database.db),
    clock: w.clock,
    checks: buildCatalogue([...changeChecks, ...vulnerabilities.checks(), ...(w.extraChecks ?? [])]),
    evidence,
    raiseAlert: w.raiseAlert,
    // A large installation's built-in checks run in a worker thread (compliance-off-thread.ts).
    offThread: offThreadAudits({ database: w.database, dataDir: w.dataDir, config: w.config, facts: () => processFacts(w, effective.current), ...(w.auditWorkerThreshold !== undefined ? { threshold: w.auditWorkerThreshold } : {}) }),
  });
  closer.audits = audits;
  const risks = new RiskService({
    uow: new SqlUnitOfWork(w.database, (executor) => ({ risks: riskStore(executor), audit: audit(executor) })),
    reader: riskStore(w.database.db),
    clock: w.clock,
    failingChecks: () => failingCheckIds(w.database.db),
  });
  const reports = new ReportService({
    audits,
    changes,
    risks,
    vulnerabilities,
    clock: w.clock,
    settings: () => ({ ...settingsFacts(effective.current) }),
    signer: () => w.keys.signer('audit-signing'),
    printPdf: (html) => printHtmlToPdf(html),
    verifier: async () => ({
      keys: auditKeysFromList(await readFile(keyStorePaths(w.dataDir).publicKeysFile, 'utf8')),
      verify: (pem, data, sig) => ed25519Verifier.verify(pem, data, sig),
    }),
    record: async (ctx, entry) => {
      await new SqlUnitOfWork(w.database, (executor) => audit(executor)).run((writer) =>
        writer.record(ctx, { action: 'compliance.report.generate', target: { type: 'compliance-report', id: entry.runId }, outcome: 'success', details: { format: entry.format, keyId: entry.keyId, bytes: entry.bytes } }),
      );
    },
  });
  const mitigations = new MitigationService(audits, {
    quarantineDevice: async (ctx, orgId, deviceId) => void (await w.devices.quarantine(ctx, { deviceId, orgId }, 'compliance-finding')),
    revokeDevice: async (ctx, orgId, deviceId) => void (await w.devices.revoke(ctx, { deviceId, orgId }, 'compliance-finding')),
    disableUser: async (ctx, orgId, userId) => void (await w.identity.setUserStatus(ctx, userId, 'disabled', orgId)),
    requireMfa: async (ctx, orgId, userId) => void (await w.identity.resetMfa(ctx, userId, orgId)),
  });
  return { audits, changes, appliers, effective, risks, vulnerabilities, reports, mitigations, evidence };
}

function complianceEvidence(w: ComplianceWiringDeps, config: Config): ComplianceEvidence {
  return databaseEvidence(w.database, w.clock, processFacts(w, config));
}

/** The facts of this process the audit reads besides the database (also handed to the audit worker). */
function processFacts(w: ComplianceWiringDeps, config: Config): ProcessFacts {
  return {
    settings: settingsWithPending(config, w.dataDir),
    keys: () => Promise.resolve(w.keys.list().map((k) => ({ id: k.id, purpose: k.purpose, createdAt: k.createdAt, status: k.status }))),
    caPems: async () => {
      const root = await openRootCa({ dataDir: w.dataDir, keys: w.keys });
      const device = await openDeviceCa({ dataDir: w.dataDir, keys: w.keys, root });
      return { root: root.certPem, device: device.certPem };
    },
    // Verified in a worker thread: the server's event loop goes on during an audit (audit-integrity.ts).
    auditIntegrity: () => auditIntegrityOffThread(w.database, { dataDir: w.dataDir, databaseUrl: w.config.databaseUrl, policy: w.config.audit }),
    drillOverdueDays: w.config.backup.drillOverdueDays,
  };
}

/**
 * The audit schedule: an hourly croner tick runs what is due (full every 90 days, daily otherwise)
 * and reopens expired suppressions. Returns a stop function.
 */
export function startComplianceSchedule(audits: AuditRunService, clock: Clock, onError: (error: unknown) => void, schedule: AuditSchedule = DEFAULT_AUDIT_SCHEDULE): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = async () => {
    const ctx = { principal: SYSTEM_PRINCIPAL, requestId: `compliance-audit-${newId()}`, source: 'local' };
    await audits.reopenExpiredSuppressions(ctx);
    const cadence = dueCadence(await audits.listRuns(ctx, 20), clock.now(), schedule);
    if (cadence !== null) await audits.run(ctx, cadence);
  };
  const job = new Cron(schedule.tickPattern, { protect: true, unref: true }, () => {
    running = tick().catch(onError);
    return running;
  });
  return async () => {
    job.stop();
    await running;
  };
}

/** dist/sbom.cdx.json of the server package (this file is dist/composition/compliance.js). */
export function defaultSbomFile(): string {
  return fileURLToPath(new URL('../sbom.cdx.json', import.meta.url));
}

async function readPlatformSbom(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}
