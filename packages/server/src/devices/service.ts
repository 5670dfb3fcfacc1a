/**
 * DeviceService: enrolment tokens, enrolment, renewal, the registry's reads, revocation,
 * quarantine and release, groups and site (device-placement.ts), and the CRL.
 *
 * MUST: every state change writes its audit event in the same transaction (ARCHITECTURE §2.8).
 * MUST: an enrolment token is random (192 bits), shown once, stored as SHA-256 only, scoped to an
 *       organization and a model, expires, and is consumed at most once (one conditional UPDATE).
 * MUST: every way an enrolment token can fail (unknown, used, expired, other model) gives the
 *       same error (DEVICE_ENROLLMENT_FAILED, 401), is audited as a failure and is a SecurityEvent.
 * MUST: the CSR is checked before the token is consumed, so a bad CSR does not burn a token.
 * MUST: revocation and quarantine take effect at once: the authenticator's caches are dropped,
 *       the notifier tells the transports to cut open connections, and (revocation) the CRL is
 *       re-signed and written, all before the call returns.
 * MUST: reads and changes are authorized with access.decide on the device's organization; another
 *       organization's device is DEVICE_NOT_FOUND (404), never 403.
 */
import { createHash } from 'node:crypto';
import type { Permission } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import {
  AppError,
  newId,
  newToken,
  parseListPage,
  toPaged,
  type Clock,
  type ListPageInput,
  type Paged,
  type RequestContext,
  type SecurityEventSink,
  type UnitOfWork,
} from '../kernel/index.js';
import { DEVICE_SORT, devicePosition, ONLINE_WINDOW_MS, type DeviceListFilter } from './device-list.js';
import type { DeviceAccessNotifier } from './access-notifier.js';
import { authorizeDevice, deviceOrg } from './device-access.js';
import { setDeviceGroups, setDeviceSite } from './device-placement.js';
import type { DeviceAuthenticator } from './authenticator.js';
import type { DeviceCertificateAuthority } from './ca-port.js';
import { canTransition, MODEL_RE, ORG_ID_RE, REASON_RE, SERIAL_RE, toDeviceView, type AccessWithdrawal, type Device, type DeviceStatus, type DeviceView } from './model.js';
import type { DeviceCertificateStore, DeviceStore, EnrollmentTokenStore } from './store.js';
import type { X509Certificate } from 'node:crypto';

export interface DeviceScope {
  readonly devices: DeviceStore;
  readonly tokens: EnrollmentTokenStore;
  readonly certificates: DeviceCertificateStore;
  readonly audit: AuditWriter;
}

export interface DeviceServiceOptions {
  readonly uow: UnitOfWork<DeviceScope>;
  /** Stores outside a transaction, for the CRL's entries. */
  readonly certificates: Pick<DeviceCertificateStore, 'revokedUnexpired'>;
  readonly ca: DeviceCertificateAuthority;
  readonly authenticator: DeviceAuthenticator;
  readonly notifier: DeviceAccessNotifier;
  readonly clock: Clock;
  readonly security: SecurityEventSink;
  /** The MQTT port devices connect to, returned by enrolment. */
  readonly mqttPort: number;
  readonly tokenTtlMinutes?: { readonly default: number; readonly max: number };
}

export interface IssuedEnrollmentToken {
  readonly token: string;
  readonly tokenId: string;
  readonly orgId: string;
  readonly model: string;
  readonly expiresAt: string;
}

export interface EnrollInput {
  readonly token: string;
  readonly csr: string;
  readonly serial: string;
  readonly udi?: string | undefined;
  readonly firmwareVersion?: string | undefined;
  /** When sent, must equal the token's model. */
  readonly model?: string | undefined;
}

export interface EnrollmentResult {
  readonly deviceId: string;
  readonly certificate: string;
  readonly chain: string[];
  readonly mqtt: { readonly port: number };
}

export interface DeviceTarget {
  readonly deviceId: string;
  /** Needed when the principal has no organization (the CLI); ignored otherwise. */
  readonly orgId?: string | undefined;
}

const TOKEN_PREFIX = 'vet_';
const DEFAULT_TTL = { default: 60, max: 7 * 24 * 60 };
/** Re-sign the CRL when it is older than this (it is valid for 24 h). */
const CRL_REFRESH_MS = 6 * 60 * 60 * 1000;

export function hashEnrollmentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class DeviceService {
  readonly #o: DeviceServiceOptions;
  readonly #ttl: { readonly default: number; readonly max: number };
  #crl: { pem: string; at: number } | undefined;
  #crlInFlight: Promise<string> | undefined;

  constructor(options: DeviceServiceOptions) {
    this.#o = options;
    this.#ttl = options.tokenTtlMinutes ?? DEFAULT_TTL;
  }

  issueEnrollmentToken(ctx: RequestContext, input: { readonly model: string; readonly expiresInMinutes?: number | undefined; readonly orgId?: string | undefined }): Promise<IssuedEnrollmentToken> {
    const orgId = this.#orgOf(ctx, input.orgId);
    this.#authorize(ctx, 'devices:enroll', orgId);
    if (!MODEL_RE.test(input.model)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The model name is not valid.' });
    if (!ORG_ID_RE.test(orgId)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The organization id is not valid.' });
    const minutes = input.expiresInMinutes ?? this.#ttl.default;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > this.#ttl.max) {
      throw new AppError('VALIDATION_FAILED', { publicMessage: `expiresInMinutes must be 1..${this.#ttl.max}.` });
    }
    return this.#o.uow.run(async (s) => {
      const now = this.#o.clock.now();
      const token = `${TOKEN_PREFIX}${newToken(24)}`;
      const id = newId();
      const expiresAt = new Date(now.getTime() + minutes * 60_000).toISOString();
      await s.tokens.insert({
        id,
        orgId,
        model: input.model,
        tokenHash: hashEnrollmentToken(token),
        createdAt: now.toISOString(),
        createdBy: `${ctx.principal.kind}:${ctx.principal.id}`,
        expiresAt,
        consumedAt: null,
        deviceId: null,
      });
      await s.audit.record(ctx, {
        action: 'devices.enrollment_token.issue',
        target: { type: 'enrollment_token', id },
        outcome: 'success',
        orgId,
        details: { model: input.model, expiresAt },
      });
      return { token, tokenId: id, orgId, model: input.model, expiresAt };
    });
  }

  /** PUBLIC: the token authenticates. `ctx.principal` is anonymous. */
  async enroll(ctx: RequestContext, input: EnrollInput): Promise<EnrollmentResult> {
    if (!SERIAL_RE.test(input.serial)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The serial number is not valid.' });
    await this.#o.ca.checkCsr(input.csr);
    const hash = hashEnrollmentToken(input.token);
    let tokenId: string | undefined;
    // The organization of a token that exists (used, expired, wrong model): its security officer
    // must see the refusal (issue 11). An unknown token names no organization.
    let tokenOrgId: string | undefined;
    try {
      return await this.#o.uow.run(async (s) => {
        const now = this.#o.clock.now().toISOString();
        const token = await s.tokens.findByHash(hash);
        tokenId = token?.id;
        tokenOrgId = token?.orgId;
        if (token === undefined) throw enrollmentFailed('token-unknown');
        if (token.consumedAt !== null) throw enrollmentFailed('token-used');
        if (token.expiresAt <= now) throw enrollmentFailed('token-expired');
        if (input.model !== undefined && input.model !== token.model) throw enrollmentFailed('model-mismatch');
        if ((await s.devices.findLive(token.orgId, token.model, input.serial)) !== undefined) throw new AppError('DEVICE_SERIAL_IN_USE');
        const deviceId = newId();
        if (!(await s.tokens.consume(token.id, now, deviceId))) throw enrollmentFailed('token-used');
        const issued = await this.#o.ca.issue({ csrPem: input.csr, deviceId, orgId: token.orgId });
        const device: Device = {
          id: deviceId,
          orgId: token.orgId,
          model: token.model,
          serial: input.serial,
          udi: input.udi ?? null,
          firmwareVersion: input.firmwareVersion ?? null,
          status: 'active',
          statusReason: 'enrolled',
          statusChangedAt: now,
          groups: [],
          site: null,
          createdAt: now,
          lastSeenAt: null,
          lastSeenAddress: null,
          certificate: { serial: issued.serial, notAfter: issued.notAfter, fingerprint: issued.fingerprint },
        };
        await s.devices.insert(device);
        await s.certificates.insert({ ...issued, orgId: token.orgId, deviceId, issuedAt: now, revokedAt: null, revocationReason: null });
        const deviceCtx: RequestContext = { ...ctx, principal: { kind: 'device', id: deviceId, orgId: token.orgId } };
        await s.audit.record(deviceCtx, {
          action: 'devices.device.enroll',
          target: { type: 'device', id: deviceId },
          outcome: 'success',
          orgId: token.orgId,
          details: { model: token.model, tokenId: token.id, certificateSerial: issued.serial, notAfter: issued.notAfter },
        });
        return { deviceId, certificate: issued.certPem, chain: [...this.#o.ca.chainPems()], mqtt: { port: this.#o.mqttPort } };
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'DEVICE_ENROLLMENT_FAILED') await this.#enrollmentRefused(ctx, tokenId, tokenOrgId, error);
      throw error;
    }
  }

  /**
   * The device renews with its current, valid certificate. `peer` is the client certificate the
   * TLS layer verified; `tlsError` is why it did not verify one that was presented (for the event).
   */
  async renew(ctx: RequestContext, peer: X509Certificate | undefined, csrPem: string, tlsError?: string): Promise<EnrollmentResult> {
    if (peer === undefined) {
      const reason = tlsError === undefined ? 'no-certificate' : tlsError === 'CERT_HAS_EXPIRED' ? 'expired' : tlsError === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'foreign-ca';
      this.#o.security.emit({
        type: 'device.certificate.refused',
        severity: reason === 'no-certificate' ? 'low' : 'high',
        reason,
        source: ctx.source,
        requestId: ctx.requestId,
        details: { transport: 'renew', ...(tlsError !== undefined ? { tlsError: tlsError.slice(0, 64) } : {}) },
      });
      throw new AppError('DEVICE_CERTIFICATE_REFUSED', { detail: 'renew: no verified client certificate' });
    }
    const auth = await this.#o.authenticator.authenticateDevice(peer, { source: ctx.source, transport: 'renew' });
    if (!auth.ok) throw new AppError('DEVICE_CERTIFICATE_REFUSED', { detail: `renew: certificate refused (${auth.reason})` });
    await this.#o.ca.checkCsr(csrPem);
    const { deviceId, orgId, certificateSerial } = auth.device;
    const result = await this.#o.uow.run(async (s) => {
      const now = this.#o.clock.now().toISOString();
      const device = await s.devices.find(orgId, deviceId);
      if (device?.status !== 'active' || device.certificate?.serial !== certificateSerial) {
        throw new AppError('DEVICE_CERTIFICATE_REFUSED', { detail: 'renew: not the current certificate of an active device' });
      }
      const issued = await this.#o.ca.issue({ csrPem, deviceId, orgId });
      await s.certificates.insert({ ...issued, orgId, deviceId, issuedAt: now, revokedAt: null, revocationReason: null });
      await s.certificates.revoke(orgId, certificateSerial, now, 'superseded');
      await s.devices.setCertificate(orgId, deviceId, { serial: issued.serial, notAfter: issued.notAfter, fingerprint: issued.fingerprint }, now);
      const deviceCtx: RequestContext = { ...ctx, principal: { kind: 'device', id: deviceId, orgId } };
      await s.audit.record(deviceCtx, {
        action: 'devices.certificate.renew',
        target: { type: 'device', id: deviceId },
        outcome: 'success',
        orgId,
        details: { previousSerial: certificateSerial, certificateSerial: issued.serial, notAfter: issued.notAfter },
      });
      return { deviceId, certificate: issued.certPem, chain: [...this.#o.ca.chainPems()], mqtt: { port: this.#o.mqttPort } };
    });
    this.#o.authenticator.invalidate(deviceId);
    await this.refreshCrl();
    return result;
  }

  /** The organization's devices (up to 1000, oldest first); `model` and `site` narrow the query. */
  async list(ctx: RequestContext, input: { readonly orgId?: string | undefined; readonly model?: string | undefined; readonly site?: string | undefined } = {}): Promise<DeviceView[]> {
    const orgId = this.#orgOf(ctx, input.orgId);
    this.#authorize(ctx, 'devices:read', orgId);
    const narrow = { ...(input.model !== undefined ? { model: input.model } : {}), ...(input.site !== undefined ? { site: input.site } : {}) };
    const devices = await this.#o.uow.run((s) => s.devices.list(orgId, narrow));
    return devices.map(toDeviceView);
  }

  /** One page of the registry: search, filters and sort (device-list.ts). */
  async page(ctx: RequestContext, filter: DeviceListFilter, input: ListPageInput & { readonly orgId?: string | undefined }): Promise<Paged<DeviceView>> {
    const orgId = this.#orgOf(ctx, input.orgId);
    this.#authorize(ctx, 'devices:read', orgId);
    const page = parseListPage(DEVICE_SORT, input);
    const onlineSince = new Date(this.#o.clock.now().getTime() - ONLINE_WINDOW_MS).toISOString();
    const rows = await this.#o.uow.run((s) => s.devices.page(orgId, { ...filter, onlineSince }, page));
    const paged = toPaged(rows, page, devicePosition);
    return { items: paged.items.map(toDeviceView), nextCursor: paged.nextCursor };
  }

  async get(ctx: RequestContext, target: DeviceTarget): Promise<DeviceView> {
    const orgId = this.#orgOf(ctx, target.orgId);
    this.#authorize(ctx, 'devices:read', orgId);
    const device = await this.#o.uow.run((s) => s.devices.find(orgId, target.deviceId));
    if (device === undefined) throw new AppError('DEVICE_NOT_FOUND');
    return toDeviceView(device);
  }

  revoke(ctx: RequestContext, target: DeviceTarget, reason: string): Promise<DeviceView> {
    return this.#withdraw(ctx, target, reason, 'revoked');
  }

  quarantine(ctx: RequestContext, target: DeviceTarget, reason: string): Promise<DeviceView> {
    return this.#withdraw(ctx, target, reason, 'quarantined');
  }

  /** Retires a device for good: final status, certificates revoked (cessationOfOperation). */
  decommission(ctx: RequestContext, target: DeviceTarget, reason: string): Promise<DeviceView> {
    return this.#withdraw(ctx, target, reason, 'decommissioned');
  }

  /** Lifts a quarantine: the device may connect again. */
  async release(ctx: RequestContext, target: DeviceTarget, reason: string): Promise<DeviceView> {
    const { device } = await this.#changeStatus(ctx, target, reason, 'active', 'devices.device.release');
    this.#o.authenticator.invalidate(device.id);
    return toDeviceView(device);
  }

  /** Replaces a device's groups (sorted, without duplicates): device-placement.ts. */
  setGroups(ctx: RequestContext, target: DeviceTarget, groups: readonly string[]): Promise<DeviceView> {
    return setDeviceGroups(this.#o.uow, ctx, target, groups);
  }

  /** Sets (null: clears) the device's site: device-placement.ts. */
  setSite(ctx: RequestContext, target: DeviceTarget, site: string | null): Promise<DeviceView> {
    return setDeviceSite(this.#o.uow, ctx, target, site);
  }

  /** The current CRL (PEM), re-signed when older than a few hours. */
  async crl(): Promise<string> {
    if (this.#crl !== undefined && this.#o.clock.now().getTime() - this.#crl.at < CRL_REFRESH_MS) return this.#crl.pem;
    return this.refreshCrl();
  }

  /** Re-signs and writes the CRL now (after a revocation, here or in another process). */
  refreshCrl(): Promise<string> {
    const run = async (): Promise<string> => {
      const now = this.#o.clock.now();
      const entries = await this.#o.certificates.revokedUnexpired(now.toISOString());
      const pem = await this.#o.ca.publishCrl(entries);
      this.#crl = { pem, at: now.getTime() };
      return pem;
    };
    // Serialize: two revocations at once must not write the CRL files out of order.
    const next = (this.#crlInFlight ?? Promise.resolve('')).catch(() => '').then(run);
    this.#crlInFlight = next;
    return next;
  }

  async #withdraw(ctx: RequestContext, target: DeviceTarget, reason: string, to: AccessWithdrawal & DeviceStatus): Promise<DeviceView> {
    const action = to === 'revoked' ? 'devices.device.revoke' : to === 'quarantined' ? 'devices.device.quarantine' : 'devices.device.decommission';
    const { device, revokedSerials } = await this.#changeStatus(ctx, target, reason, to, action);
    this.#o.authenticator.invalidate(device.id);
    this.#o.notifier.notify(device.id, to, device.statusChangedAt);
    if (revokedSerials.length > 0) await this.refreshCrl();
    return toDeviceView(device);
  }

  async #changeStatus(
    ctx: RequestContext,
    target: DeviceTarget,
    reason: string,
    to: DeviceStatus,
    action: string,
  ): Promise<{ device: Device; revokedSerials: string[] }> {
    if (!REASON_RE.test(reason)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The reason must be a coded word such as key-compromise or lost-device.' });
    const orgId = this.#orgOf(ctx, target.orgId);
    this.#authorize(ctx, 'devices:manage', orgId);
    return this.#o.uow.run(async (s) => {
      const now = this.#o.clock.now().toISOString();
      const device = await s.devices.find(orgId, target.deviceId);
      if (device === undefined) throw new AppError('DEVICE_NOT_FOUND');
      if (!canTransition(device.status, to) || !(await s.devices.updateStatus(orgId, device.id, [device.status], to, now, reason))) {
        throw new AppError('DEVICE_STATUS_CONFLICT', { detail: `device ${device.id} is ${device.status}; it cannot become ${to}` });
      }
      // A decommissioned device's certificates are revoked as 'decommissioned' (CRL cessationOfOperation).
      const revokedSerials =
        to === 'revoked' || to === 'decommissioned'
          ? await s.certificates.revokeAllOf(orgId, device.id, now, to === 'decommissioned' ? 'decommissioned' : reason)
          : [];
      await s.audit.record(ctx, {
        action,
        target: { type: 'device', id: device.id },
        outcome: 'success',
        reason,
        orgId,
        details: { from: device.status, to, revokedCertificates: revokedSerials.length },
      });
      return { device: { ...device, status: to, statusReason: reason, statusChangedAt: now }, revokedSerials };
    });
  }

  #orgOf(ctx: RequestContext, explicit: string | undefined): string {
    return deviceOrg(ctx, explicit);
  }

  #authorize(ctx: RequestContext, permission: Permission, orgId: string): void {
    authorizeDevice(ctx, permission, orgId);
  }

  async #enrollmentRefused(ctx: RequestContext, tokenId: string | undefined, orgId: string | undefined, error: AppError): Promise<void> {
    const reason = /\(([a-z-]+)\)/.exec(error.detail ?? '')?.[1] ?? 'token-invalid';
    this.#o.security.emit({ type: 'device.enrollment.refused', severity: 'medium', reason, source: ctx.source, requestId: ctx.requestId, ...(orgId !== undefined ? { orgId } : {}) });
    await this.#o.uow
      .run((s) =>
        s.audit.record(ctx, {
          action: 'devices.device.enroll',
          target: { type: 'enrollment_token', id: tokenId ?? 'unknown' },
          outcome: 'failure',
          reason,
          ...(orgId !== undefined ? { orgId } : {}),
        }),
      )
      .catch(() => undefined);
  }
}

function enrollmentFailed(reason: string): AppError {
  return new AppError('DEVICE_ENROLLMENT_FAILED', { detail: `enroll: refused (${reason})` });
}
