/**
 * Patient bindings: a device is bound to one patient over a period [startAt, endAt). Telemetry is
 * attributed to the patient bound when a reading was MEASURED (not when it arrived), so readings
 * that a device's outbox delivers late still land on the right patient.
 *
 * MUST: the periods of one device never overlap (checked in the inserting transaction; one open
 *       binding per device is also a unique index).
 * MUST: the device and the patient belong to the acting principal's organization; another
 *       organization's device or patient is not found (404).
 * MUST: every bind and unbind, and every list, is audited in its transaction.
 * MUST: the attribution cache is invalidated after every committed bind or unbind of a device.
 */
import { decide, type Permission } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import { AppError, isId, newId, principalOrg, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { DeviceStore } from './store.js';

export interface PatientBinding {
  readonly id: string;
  readonly orgId: string;
  readonly deviceId: string;
  readonly patientId: string;
  readonly startAt: string;
  /** Exclusive; null while the binding is open. */
  readonly endAt: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly endedBy: string | null;
}

export interface BindingStore {
  insert(binding: PatientBinding): Promise<void>;
  find(orgId: string, id: string): Promise<PatientBinding | undefined>;
  /** Bindings of a device, oldest start first. Device ids are globally unique: host-level read for ingest. */
  forDevices(deviceIds: readonly string[]): Promise<PatientBinding[]>;
  forPatient(orgId: string, patientId: string, limit: number): Promise<PatientBinding[]>;
  /** Sets end_at on an open binding; false when it was not open. */
  end(orgId: string, id: string, endAt: string, by: string): Promise<boolean>;
}

/** Whether a patient exists in an organization (patients/ answers it; wired in main.ts). */
export interface PatientExistence {
  exists(orgId: string, patientId: string): Promise<boolean>;
}

export interface BindingScope {
  readonly bindings: BindingStore;
  readonly devices: DeviceStore;
  readonly audit: AuditWriter;
}

export const MAX_BINDINGS_LISTED = 500;

/** True when the half-open periods [a.start, a.end) and [b.start, b.end) share an instant. */
export function periodsOverlap(a: { startAt: string; endAt: string | null }, b: { startAt: string; endAt: string | null }): boolean {
  const aEnd = a.endAt === null ? Infinity : Date.parse(a.endAt);
  const bEnd = b.endAt === null ? Infinity : Date.parse(b.endAt);
  return Date.parse(a.startAt) < bEnd && Date.parse(b.startAt) < aEnd;
}

/** The patient a device was bound to at `measuredAt`, from that device's bindings. */
export function patientAt(bindings: readonly Pick<PatientBinding, 'patientId' | 'startAt' | 'endAt'>[], measuredAt: string): string | null {
  const t = Date.parse(measuredAt);
  for (const b of bindings) {
    if (Date.parse(b.startAt) <= t && (b.endAt === null || t < Date.parse(b.endAt))) return b.patientId;
  }
  return null;
}

/**
 * Bindings per device for the ingest path, cached in process. A miss loads from the store; a bind
 * or unbind in this process drops the device's entry. Another node's change is seen after
 * `ttlMs` (a bus message would make it immediate; see ARCHITECTURE "Scaling").
 */
export class BindingCache {
  readonly #entries = new Map<string, { bindings: PatientBinding[]; loadedAt: number }>();
  constructor(
    private readonly load: (deviceIds: readonly string[]) => Promise<PatientBinding[]>,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  async bindingsFor(deviceIds: readonly string[]): Promise<Map<string, readonly PatientBinding[]>> {
    const now = this.clock.now().getTime();
    const missing = deviceIds.filter((id) => {
      const e = this.#entries.get(id);
      return e === undefined || now - e.loadedAt > this.ttlMs;
    });
    if (missing.length > 0) {
      const rows = await this.load(missing);
      for (const id of missing) this.#entries.set(id, { bindings: [], loadedAt: now });
      for (const row of rows) this.#entries.get(row.deviceId)?.bindings.push(row);
    }
    const out = new Map<string, readonly PatientBinding[]>();
    for (const id of deviceIds) out.set(id, this.#entries.get(id)?.bindings ?? []);
    return out;
  }

  invalidate(deviceId: string): void {
    this.#entries.delete(deviceId);
  }
}

export interface BindingServiceDeps {
  readonly uow: UnitOfWork<BindingScope>;
  readonly patients: PatientExistence;
  readonly clock: Clock;
  /** Called after a bind or unbind commits. */
  readonly onChange?: (deviceId: string) => void;
}

export class BindingService {
  constructor(private readonly deps: BindingServiceDeps) {}

  async bind(ctx: RequestContext, input: { patientId: string; deviceId: string; startAt?: string }): Promise<PatientBinding> {
    const orgId = this.#authorize(ctx, 'bindings:write');
    const now = this.deps.clock.now().toISOString();
    const startAt = input.startAt === undefined ? now : normalizeTime(input.startAt);
    if (!isId(input.patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    if (!isId(input.deviceId)) throw new AppError('DEVICE_NOT_FOUND');
    if (!(await this.deps.patients.exists(orgId, input.patientId))) throw new AppError('PATIENTS_NOT_FOUND');
    const binding = await this.deps.uow.run(async (s) => {
      const device = await s.devices.find(orgId, input.deviceId);
      if (device === undefined || device.status === 'revoked' || device.status === 'decommissioned') throw new AppError('DEVICE_NOT_FOUND');
      const candidate: PatientBinding = {
        id: newId(),
        orgId,
        deviceId: device.id,
        patientId: input.patientId,
        startAt,
        endAt: null,
        createdAt: now,
        createdBy: ctx.principal.id,
        endedBy: null,
      };
      const existing = await s.bindings.forDevices([device.id]);
      const clash = existing.find((b) => periodsOverlap(b, candidate));
      if (clash !== undefined) {
        await s.audit.record(ctx, {
          action: 'devices.binding.create',
          target: { type: 'device', id: device.id },
          outcome: 'failure',
          reason: 'overlap',
          orgId,
          details: { patientId: input.patientId, clashWith: clash.id },
        });
        return { refused: new AppError('BINDING_OVERLAP') };
      }
      await s.bindings.insert(candidate);
      await s.audit.record(ctx, {
        action: 'devices.binding.create',
        target: { type: 'binding', id: candidate.id },
        outcome: 'success',
        orgId,
        details: { deviceId: device.id, patientId: input.patientId, startAt },
      });
      return { ok: candidate };
    });
    if ('refused' in binding) throw binding.refused;
    this.deps.onChange?.(binding.ok.deviceId);
    return binding.ok;
  }

  async end(ctx: RequestContext, bindingId: string, endAt?: string): Promise<PatientBinding> {
    const orgId = this.#authorize(ctx, 'bindings:write');
    if (!isId(bindingId)) throw new AppError('BINDING_NOT_FOUND');
    const now = this.deps.clock.now().toISOString();
    const at = endAt === undefined ? now : normalizeTime(endAt);
    const ended = await this.deps.uow.run(async (s) => {
      const binding = await s.bindings.find(orgId, bindingId);
      if (binding === undefined) throw new AppError('BINDING_NOT_FOUND');
      if (binding.endAt !== null) throw new AppError('BINDING_ENDED');
      if (Date.parse(at) <= Date.parse(binding.startAt)) throw new AppError('BINDING_INVALID', { publicMessage: 'The end must be after the start.' });
      if (!(await s.bindings.end(orgId, bindingId, at, ctx.principal.id))) throw new AppError('BINDING_ENDED');
      await s.audit.record(ctx, {
        action: 'devices.binding.end',
        target: { type: 'binding', id: binding.id },
        outcome: 'success',
        orgId,
        details: { deviceId: binding.deviceId, patientId: binding.patientId, endAt: at },
      });
      return { ...binding, endAt: at, endedBy: ctx.principal.id };
    });
    this.deps.onChange?.(ended.deviceId);
    return ended;
  }

  async listForPatient(ctx: RequestContext, patientId: string): Promise<PatientBinding[]> {
    const orgId = this.#authorize(ctx, 'bindings:read');
    if (!isId(patientId) || !(await this.deps.patients.exists(orgId, patientId))) throw new AppError('PATIENTS_NOT_FOUND');
    return this.deps.uow.run(async (s) => {
      const rows = await s.bindings.forPatient(orgId, patientId, MAX_BINDINGS_LISTED);
      await s.audit.record(ctx, {
        action: 'devices.binding.list',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        orgId,
        details: { count: rows.length },
      });
      return rows;
    });
  }

  /**
   * The device's binding in force now (started, not ended), or null: for the device page. The
   * device must be of the caller's organization (DEVICE_NOT_FOUND otherwise); the read is audited.
   */
  async currentForDevice(ctx: RequestContext, deviceId: string): Promise<PatientBinding | null> {
    const orgId = this.#authorize(ctx, 'bindings:read');
    if (!isId(deviceId)) throw new AppError('DEVICE_NOT_FOUND');
    const now = this.deps.clock.now().getTime();
    return this.deps.uow.run(async (s) => {
      const device = await s.devices.find(orgId, deviceId);
      if (device === undefined) throw new AppError('DEVICE_NOT_FOUND');
      const current =
        (await s.bindings.forDevices([device.id])).find((b) => b.orgId === orgId && Date.parse(b.startAt) <= now && (b.endAt === null || Date.parse(b.endAt) > now)) ?? null;
      await s.audit.record(ctx, {
        action: 'devices.binding.read',
        target: { type: 'device', id: device.id },
        outcome: 'success',
        orgId,
        details: { bindingId: current?.id ?? null },
      });
      return current;
    });
  }

  #authorize(ctx: RequestContext, permission: Permission): string {
    const orgId = principalOrg(ctx.principal);
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: `a ${ctx.principal.kind} principal acts in no organization` });
    const decision = decide(ctx.principal, permission, { orgId });
    if (decision.allow) return orgId;
    throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: decision.reason });
  }
}

function normalizeTime(value: string): string {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new AppError('BINDING_INVALID', { publicMessage: 'A time is not valid ISO-8601.' });
  return new Date(t).toISOString();
}
