/**
 * Wiring of the updates module (firmware releases, the TUF repository). main.ts calls
 * wireUpdates() from openPlatform, adds firmwareRoutes/tufRoutes, and schedules the refresh job.
 */
import type { SecurityAlertService } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { DeviceService } from '../devices/index.js';
import type { Clock, RequestContext, SecurityEventSink } from '../kernel/index.js';
import { ecdsaP256Verifier, TUF_ONLINE_PURPOSES, type KeyProvider, type TufOnlinePurpose } from '../keys/index.js';
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/index.js';
import { wireRolloutChanges, type RolloutChangeDeps } from './rollout-changes.js';
import { S3ImageRemote, type ImageRemote } from '../updates/artifact-s3.js';
import { attestationStore, auditStore, bindingStore, firmwareStore, incidentStore, rolloutStore, SqlUnitOfWork, tufMetadataStore, type Executor, type SqlDatabase } from '../storage/index.js';
import {
  ArtifactStore,
  AttestationService,
  ReleaseService,
  RolloutService,
  TufRepository,
  type AttestationScope,
  type DeviceContainment,
  type OnlinePublicKeys,
  type RolloutPorts,
  type RolloutScope,
  type StepUp,
  type TufExpiries,
  type TufScope,
  type UpdatesScope,
} from '../updates/index.js';

export interface UpdatesWiring {
  readonly releases: ReleaseService;
  readonly artifacts: ArtifactStore;
  readonly tuf: TufRepository;
  readonly attestation: AttestationService;
  readonly rollouts: RolloutService;
  /** The public halves of the online keys a root must list (created when missing). */
  onlinePublicKeys(): Promise<OnlinePublicKeys & { readonly delegation: string }>;
}

export interface UpdatesDeps {
  readonly dataDir: string;
  readonly database: SqlDatabase;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly keys: KeyProvider;
  readonly devices: DeviceService;
  readonly securityEvents: SecurityEventSink;
  readonly securityAlerts: Pick<SecurityAlertService, 'raise' | 'list'>;
  readonly tufExpiries?: TufExpiries;
  /** Images on S3 where the backup target is S3 (imageRemoteFor); the data directory otherwise. */
  readonly imageRemote?: ImageRemote | undefined;
  /** identity.verifyStepUp: a person approves a rollout with a fresh second-factor code. */
  readonly stepUp?: StepUp;
  /** Compliance's change control: a rollout starts only as an approved firmware-rollout change. */
  readonly changeControl?: RolloutChangeDeps;
}

/**
 * The first S3 backup target's bucket and client settings (the backup module's configuration;
 * credentials from the AWS SDK's default chain), or undefined when backups go to directories only.
 */
export function imageRemoteFor(config: Config): ImageRemote | undefined {
  const t = config.backup.targets.find((x) => x.kind === 's3');
  if (t === undefined || t.kind !== 's3') return undefined;
  const client = new S3Client({ region: t.region, ...(t.endpoint !== undefined ? { endpoint: t.endpoint } : {}), forcePathStyle: t.forcePathStyle, maxAttempts: 3 });
  return new S3ImageRemote(client, t.bucket, t.prefix);
}

export const TUF_SYSTEM_CONTEXT: RequestContext = { principal: { kind: 'system', id: 'system' }, requestId: 'tuf', source: 'local' };

export function wireUpdates(deps: UpdatesDeps): UpdatesWiring {
  const { database, auditLog, keys } = deps;
  const audit = (executor: Executor) => auditLog.writer(auditStore(executor, database.dialect));
  const scope = (executor: Executor): UpdatesScope => ({ firmware: firmwareStore(executor), audit: audit(executor) });
  const tufScope = (executor: Executor): TufScope => ({ tuf: tufMetadataStore(executor), firmware: firmwareStore(executor), audit: audit(executor) });
  const artifacts = new ArtifactStore(deps.dataDir, deps.imageRemote);
  const readFirmware = firmwareStore(database.db);
  const tuf = new TufRepository({
    uow: new SqlUnitOfWork(database, tufScope),
    reader: tufMetadataStore(database.db),
    findRelease: (model, version) => readFirmware.findRelease(model, version),
    signer: (purpose: TufOnlinePurpose) => keys.signer(purpose),
    clock: deps.clock,
    ...(deps.tufExpiries !== undefined ? { expiries: deps.tufExpiries } : {}),
  });
  const releases = new ReleaseService({
    uow: new SqlUnitOfWork(database, scope),
    artifacts,
    clock: deps.clock,
    // A release is signed into the repository at once; without a root yet this is a no-op and the
    // root install signs it later.
    onPublished: async (ctx) => void (await tuf.publish(ctx, 'release-published')),
  });
  // Containment acts as Vigil itself (system principal), audited by the devices module.
  const containment: DeviceContainment = {
    quarantine: async (orgId, deviceId, reason) => void (await deps.devices.quarantine(TUF_SYSTEM_CONTEXT, { orgId, deviceId }, reason)),
    release: async (orgId, deviceId, reason) => void (await deps.devices.release(TUF_SYSTEM_CONTEXT, { orgId, deviceId }, reason)),
    list: async (orgId) => (await deps.devices.list(TUF_SYSTEM_CONTEXT, { orgId })).map((d) => ({ id: d.id, model: d.model, status: d.status })),
  };
  const rolloutPorts: RolloutPorts = {
    // The store narrows by model (and site, index devices_org_site); the service checks both again.
    devices: async (orgId, model, site) =>
      (await deps.devices.list(TUF_SYSTEM_CONTEXT, { orgId, model, site })).map((d) => ({ id: d.id, model: d.model, status: d.status, groups: d.groups, site: d.site, firmwareVersion: d.firmwareVersion })),
    // Bound now (an open binding): held outside the campaign's maintenance window. Device ids are
    // globally unique; the org filter keeps the answer inside the campaign's organization.
    boundToPatient: async (orgId, deviceIds) => {
      const now = deps.clock.now().toISOString();
      const rows = await bindingStore(database.db).forDevices(deviceIds);
      return new Set(rows.filter((b) => b.orgId === orgId && b.startAt <= now && (b.endAt === null || b.endAt > now)).map((b) => b.deviceId));
    },
    // The clinical telemetry gap gate: an installed device bound to a patient with no reading in the
    // last gapSeconds (index telemetry_readings_device_time; one probe per such device).
    clinicalGaps: async (orgId, installed, gapSeconds) => {
      const now = deps.clock.now();
      const since = new Date(now.getTime() - gapSeconds * 1000).toISOString();
      const due = installed.filter((d) => d.installedAt <= since);
      if (due.length === 0) return new Set<string>();
      const bound = await rolloutPorts.boundToPatient?.(orgId, due.map((d) => d.deviceId)) ?? new Set<string>();
      const gaps = new Set<string>();
      for (const d of due) {
        if (!bound.has(d.deviceId)) continue;
        const recent = await database.db.selectFrom('telemetry_readings').select('seq').where('device_id', '=', d.deviceId).where('org_id', '=', orgId).where('measured_at', '>=', since).limit(1).executeTakeFirst();
        if (recent === undefined) gaps.add(d.deviceId);
      }
      return gaps;
    },
    alertedDevices: async (orgId, since) => {
      const alerts = await deps.securityAlerts.list(TUF_SYSTEM_CONTEXT, { limit: 1000 });
      return new Set(alerts.filter((a) => a.orgId === orgId && a.subject.kind === 'device' && a.lastSeenAt >= since).map((a) => a.subject.id));
    },
    // The organization's time zone is its incident settings' (one setting per organization).
    timeZone: async (orgId) => (await incidentStore(database.db).settings(orgId)).timeZone ?? 'UTC',
    halted: (campaign, reason) =>
      deps.securityAlerts.raise({
        detector: 'rollout-halt',
        severity: 'high',
        title: `Firmware rollout ${campaign.id} halted`,
        summary: `a health gate halted the rollout of ${campaign.model} ${campaign.targetVersion} in wave ${campaign.currentWave + 1}: ${reason}`.slice(0, 300),
        orgId: campaign.orgId,
        subject: { kind: 'org', id: campaign.orgId },
        count: 1,
        at: deps.clock.now().toISOString(),
        windowSeconds: 1,
        eventIds: [],
        auditSeqs: [],
      }),
  };
  const rolloutScope = (executor: Executor): RolloutScope => ({ rollouts: rolloutStore(executor), firmware: firmwareStore(executor), audit: audit(executor) });
  const rollouts = new RolloutService(new SqlUnitOfWork(database, rolloutScope), rolloutPorts, deps.clock, deps.stepUp);
  if (deps.changeControl !== undefined) wireRolloutChanges(rollouts, deps.changeControl);
  const attestationScope = (executor: Executor): AttestationScope => ({ attestations: attestationStore(executor), firmware: firmwareStore(executor), audit: audit(executor) });
  const attestation = new AttestationService({
    uow: new SqlUnitOfWork(database, attestationScope),
    verifier: ecdsaP256Verifier,
    clock: deps.clock,
    security: deps.securityEvents,
    containment,
    onVerified: (orgId, deviceId, version) => rollouts.recordOutcome(orgId, deviceId, { installedVersion: version }),
  });
  return {
    releases,
    artifacts,
    tuf,
    attestation,
    rollouts,
    onlinePublicKeys: async () => {
      for (const purpose of TUF_ONLINE_PURPOSES) {
        if (!keys.list().some((k) => k.purpose === purpose && k.status === 'active')) await keys.rotate(purpose);
      }
      return {
        timestamp: keys.signer('tuf-timestamp').publicKeyPem(),
        snapshot: keys.signer('tuf-snapshot').publicKeyPem(),
        targets: keys.signer('tuf-targets').publicKeyPem(),
        delegation: keys.signer('tuf-delegation').publicKeyPem(),
      };
    },
  };
}
