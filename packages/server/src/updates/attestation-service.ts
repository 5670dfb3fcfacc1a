/**
 * AttestationService: devices' signed firmware reports, the fleet integrity scan, and the
 * quarantine policy (see integrity.ts for the states).
 *
 * MUST: a report counts only when its shape is exact, its signature verifies with the key of the
 *       TLS-verified device certificate, its deviceId is that device, and its time is within the
 *       allowed skew and later than the device's previous report (replay of a clean report).
 * MUST: every accepted report is stored and audited in one transaction and emits a
 *       `device.firmware.reported` security event (the firmware detector raises the alert).
 * MUST: an unknown or foreign hash quarantines the device when its model's policy says so; a
 *       device quarantined by this policy is released only by a later verified report.
 * MUST: the scan is authorized per organization (firmware:read) and lists that tenant only.
 */
import { canonicalAttestation, checkAttestation, type FirmwareAttestation } from '@vigil/protocol';
import { decide } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import { AppError, principalOrg, type Clock, type RequestContext, type SecurityEventSink, type UnitOfWork } from '../kernel/index.js';
import type { Verifier } from '../keys/index.js';
import { classifyReport, INTEGRITY_FAILURES, integrityOf, type IntegrityState, type ReportState } from './integrity.js';
import { defaultPolicy } from './model.js';
import type { AttestationStore, FirmwareStore } from './store.js';

export interface AttestationScope {
  readonly attestations: AttestationStore;
  readonly firmware: FirmwareStore;
  readonly audit: AuditWriter;
}

/** What the module may do to a device (wired to the devices module in composition). */
export interface DeviceContainment {
  quarantine(orgId: string, deviceId: string, reason: string): Promise<void>;
  release(orgId: string, deviceId: string, reason: string): Promise<void>;
  /** Devices of an organization, for the scan. */
  list(orgId: string): Promise<ReadonlyArray<{ readonly id: string; readonly model: string; readonly status: string }>>;
}

export interface AttestingDevice {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly status: string;
  /** SPKI PEM of the TLS-verified certificate's key. */
  readonly publicKeyPem: string;
}

export interface AttestationResult {
  readonly state: ReportState;
  readonly quarantined: boolean;
  readonly released: boolean;
}

export interface ScanEntry {
  readonly deviceId: string;
  readonly model: string;
  readonly status: string;
  readonly state: IntegrityState;
  readonly firmwareVersion: string | null;
  readonly measuredAt: string | null;
}

export interface AttestationServiceOptions {
  readonly uow: UnitOfWork<AttestationScope>;
  readonly verifier: Verifier;
  readonly clock: Clock;
  readonly security: SecurityEventSink;
  readonly containment: DeviceContainment;
  /** How far a report's time may be from ours; default 5 minutes. */
  readonly maxSkewMs?: number;
  /** A verified report (rollouts count the device as installed when it runs their target). */
  readonly onVerified?: (orgId: string, deviceId: string, firmwareVersion: string) => Promise<void>;
}

export const POLICY_QUARANTINE_REASON = 'firmware-integrity';

export class AttestationService {
  readonly #o: AttestationServiceOptions;

  constructor(options: AttestationServiceOptions) {
    this.#o = options;
  }

  /** A report from a device authenticated by its certificate (ctx.principal is that device). */
  async report(ctx: RequestContext, device: AttestingDevice, body: unknown): Promise<AttestationResult> {
    const checked = checkAttestation(body);
    if (typeof checked === 'string') return this.#refuse(ctx, device, `shape-${checked}`);
    if (checked.deviceId !== device.deviceId) return this.#refuse(ctx, device, 'device-mismatch');
    if (!this.#signatureOk(checked, device.publicKeyPem)) return this.#refuse(ctx, device, 'bad-signature');
    const now = this.#o.clock.now();
    if (Math.abs(Date.parse(checked.at) - now.getTime()) > (this.#o.maxSkewMs ?? 300_000)) return this.#refuse(ctx, device, 'stale');

    const outcome = await this.#o.uow.run(async (s) => {
      const previous = await s.attestations.find(device.orgId, device.deviceId);
      if (previous !== undefined && Date.parse(checked.at) <= Date.parse(previous.measuredAt)) return undefined;
      const { state, release } = classifyReport(device.model, checked.imageSha256, await s.firmware.listReleases());
      const policy = (await s.firmware.findPolicy(device.model)) ?? defaultPolicy(device.model);
      const quarantine = (state === 'unknown-hash' || state === 'foreign-hash') && policy.quarantineOnUnknownHash && device.status === 'active';
      const release_ = state === 'verified' && device.status === 'quarantined' && previous?.quarantinedByPolicy === true;
      await s.attestations.upsert({
        deviceId: device.deviceId,
        orgId: device.orgId,
        model: device.model,
        firmwareVersion: checked.firmwareVersion,
        imageSha256: checked.imageSha256,
        state,
        measuredAt: checked.at,
        receivedAt: now.toISOString(),
        quarantinedByPolicy: quarantine || (previous?.quarantinedByPolicy === true && !release_),
      });
      await s.audit.record(ctx, {
        action: 'updates.attestation.report',
        target: { type: 'device', id: device.deviceId },
        outcome: 'success',
        orgId: device.orgId,
        details: { state, firmwareVersion: checked.firmwareVersion, imageSha256: checked.imageSha256, release: release?.version ?? null },
      });
      return { state, quarantine, release: release_, expected: release?.sha256 ?? null, version: release?.version ?? checked.firmwareVersion };
    });
    if (outcome === undefined) return this.#refuse(ctx, device, 'replay');
    this.#o.security.emit({
      type: 'device.firmware.reported',
      severity: INTEGRITY_FAILURES.includes(outcome.state) ? 'critical' : 'info',
      reason: outcome.state,
      deviceId: device.deviceId,
      orgId: device.orgId,
      source: ctx.source,
      details: { state: outcome.state, model: device.model, firmwareVersion: checked.firmwareVersion, reportedHash: checked.imageSha256, expectedHash: outcome.expected ?? 'none' },
    });
    if (outcome.quarantine) await this.#o.containment.quarantine(device.orgId, device.deviceId, POLICY_QUARANTINE_REASON);
    if (outcome.release) await this.#o.containment.release(device.orgId, device.deviceId, 'firmware-verified');
    if (outcome.state === 'verified') await this.#o.onVerified?.(device.orgId, device.deviceId, outcome.version);
    return { state: outcome.state, quarantined: outcome.quarantine, released: outcome.release };
  }

  /** Every device of the organization with its integrity state. */
  async scan(ctx: RequestContext, orgId?: string): Promise<ScanEntry[]> {
    const org = orgId ?? principalOrg(ctx.principal);
    if (org === null) throw new AppError('VALIDATION_FAILED', { publicMessage: 'Name the organization to scan.' });
    const decision = decide(ctx.principal, 'firmware:read', { orgId: org });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : decision.deny === 'not-found' ? 'NOT_FOUND' : 'FORBIDDEN', { detail: decision.reason });
    const devices = await this.#o.containment.list(org);
    const { reports, releases } = await this.#o.uow.run(async (s) => ({ reports: await s.attestations.list(org), releases: await s.firmware.listReleases() }));
    const byDevice = new Map(reports.map((r) => [r.deviceId, r]));
    const today = this.#o.clock.now().toISOString().slice(0, 10);
    return devices.map((d) => {
      const r = byDevice.get(d.id);
      return { deviceId: d.id, model: d.model, status: d.status, state: integrityOf(d.model, r, releases, today), firmwareVersion: r?.firmwareVersion ?? null, measuredAt: r?.measuredAt ?? null };
    });
  }

  /**
   * The daily job: a device of a model that requires attestation and has not reported is an
   * integrity failure too (a device that stays silent about what it runs).
   */
  async flagMissingReports(ctx: RequestContext, orgIds: readonly string[]): Promise<number> {
    let flagged = 0;
    for (const orgId of orgIds) {
      for (const entry of await this.scan(ctx, orgId)) {
        if (entry.state !== 'no-report' || entry.status !== 'active') continue;
        const policy = (await this.#o.uow.run((s) => s.firmware.findPolicy(entry.model))) ?? defaultPolicy(entry.model);
        if (!policy.requireAttestation) continue;
        flagged += 1;
        this.#o.security.emit({
          type: 'device.firmware.reported',
          severity: 'high',
          reason: 'no-report',
          deviceId: entry.deviceId,
          orgId,
          details: { state: 'no-report', model: entry.model, reportedHash: 'none', expectedHash: 'a signed report' },
        });
      }
    }
    return flagged;
  }

  #signatureOk(report: FirmwareAttestation, publicKeyPem: string): boolean {
    const { sig, ...unsigned } = report;
    return this.#o.verifier.verify(publicKeyPem, Buffer.from(canonicalAttestation(unsigned), 'utf8'), Buffer.from(sig, 'base64'));
  }

  #refuse(ctx: RequestContext, device: AttestingDevice, reason: string): never {
    this.#o.security.emit({ type: 'updates.attestation.refused', severity: 'high', reason, deviceId: device.deviceId, orgId: device.orgId, source: ctx.source });
    throw new AppError('UPDATES_ATTESTATION_INVALID', { detail: `attestation refused: ${reason}` });
  }
}
