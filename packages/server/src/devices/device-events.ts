/**
 * Device events (alarms, faults, notices) from vigil/v1/devices/<id>/events: stored with the
 * device's organization, and read by the organization's people page by page.
 *
 * MUST: an event is stored only after parseDeviceEvent accepted it, with the organization and
 *       device the broker authenticated (never ids from the payload); the MQTT PUBACK follows the
 *       commit (the broker awaits ingest()).
 * MUST: a resend of one event (same device, same event id) is stored once.
 * MUST: reading needs devices:read in the device's organization; another organization's device
 *       is DEVICE_NOT_FOUND (404).
 * MUST: events are kept `retentionDays` (by the time Vigil received them); the retention job
 *       deletes only older rows, and audits how many it deleted and the cut-off.
 * MUST: a new (not duplicate) event of severity high or critical is handed to `onSevere` after it
 *       is stored: the composition raises a security alert for it (device function is availability).
 */
import { parseDeviceEvent, type DeviceEvent, type DeviceEventRejection } from '@vigil/protocol';
import { decide } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import { AppError, principalOrg, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';

export interface StoredDeviceEvent extends DeviceEvent {
  readonly orgId: string;
  readonly deviceId: string;
  readonly receivedAt: string;
}

export interface DeviceEventStore {
  /** Inserts unless (deviceId, id) exists; true when inserted. */
  insert(event: StoredDeviceEvent): Promise<boolean>;
  /** Newest first by (receivedAt, id), strictly before the cursor when one is given. */
  list(orgId: string, deviceId: string, options: { readonly before?: { readonly receivedAt: string; readonly id: string } | undefined; readonly limit: number }): Promise<StoredDeviceEvent[]>;
  /** Whether the device exists in the organization. */
  deviceExists(orgId: string, deviceId: string): Promise<boolean>;
  /** Deletes the events received before `receivedBefore`; returns how many. */
  deleteReceivedBefore(receivedBefore: string): Promise<number>;
}

/** Severities that raise an alert when a device reports them. */
export const SEVERE_DEVICE_EVENT: ReadonlySet<DeviceEvent['severity']> = new Set(['high', 'critical']);

export type DeviceEventOutcome = { readonly status: 'stored' | 'duplicate' } | { readonly status: 'rejected'; readonly reason: DeviceEventRejection };

export interface DeviceEventPage {
  readonly events: StoredDeviceEvent[];
  /** Pass as `before` for the next (older) page; null at the end. */
  readonly next: string | null;
}

export const MAX_DEVICE_EVENT_PAGE = 200;
const MAX_PAYLOAD_BYTES = 1024;

export class DeviceEventService {
  constructor(
    private readonly deps: {
      readonly store: DeviceEventStore;
      readonly clock: Clock;
      /** Called once per newly stored high or critical event (after the commit); must not throw. */
      readonly onSevere?: (event: StoredDeviceEvent) => void;
    },
  ) {}

  /** From the broker, for an authenticated device: validates, then stores durably. */
  async ingest(device: { readonly deviceId: string; readonly orgId: string }, payload: Uint8Array): Promise<DeviceEventOutcome> {
    if (payload.byteLength > MAX_PAYLOAD_BYTES) return { status: 'rejected', reason: 'malformed' };
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    } catch {
      return { status: 'rejected', reason: 'malformed' };
    }
    const parsed = parseDeviceEvent(json);
    if (!parsed.ok) return { status: 'rejected', reason: parsed.reason };
    const stored: StoredDeviceEvent = { ...parsed.value, orgId: device.orgId, deviceId: device.deviceId, receivedAt: this.deps.clock.now().toISOString() };
    const inserted = await this.deps.store.insert(stored);
    if (inserted && SEVERE_DEVICE_EVENT.has(stored.severity)) this.deps.onSevere?.(stored);
    return { status: inserted ? 'stored' : 'duplicate' };
  }

  async list(ctx: RequestContext, deviceId: string, query: { readonly before?: string | undefined; readonly limit?: number | undefined }): Promise<DeviceEventPage> {
    const orgId = principalOrg(ctx.principal);
    const decision = decide(ctx.principal, 'devices:read', orgId === null ? undefined : { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (orgId === null || !(await this.deps.store.deviceExists(orgId, deviceId))) throw new AppError('DEVICE_NOT_FOUND');
    const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_DEVICE_EVENT_PAGE);
    const before = query.before === undefined ? undefined : decodeCursor(query.before);
    const rows = await this.deps.store.list(orgId, deviceId, { before, limit: limit + 1 });
    const events = rows.slice(0, limit);
    const last = events[events.length - 1];
    return { events, next: rows.length > limit && last ? encodeCursor(last) : null };
  }
}

function encodeCursor(e: StoredDeviceEvent): string {
  return Buffer.from(JSON.stringify([e.receivedAt, e.id])).toString('base64url');
}

function decodeCursor(cursor: string): { receivedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { receivedAt: value[0], id: value[1] };
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_FAILED', { publicMessage: 'The cursor is not valid.' });
}

/**
 * Deletes the events older than `retentionDays` and audits it (one event: count and cut-off) in
 * the same transaction. Returns how many were deleted.
 */
export async function applyDeviceEventRetention(
  uow: UnitOfWork<{ readonly events: Pick<DeviceEventStore, 'deleteReceivedBefore'>; readonly audit: AuditWriter }>,
  clock: Clock,
  retentionDays: number,
  ctx: RequestContext,
): Promise<{ deleted: number; before: string }> {
  const before = new Date(clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  return uow.run(async (s) => {
    const deleted = await s.events.deleteReceivedBefore(before);
    if (deleted > 0) await s.audit.record(ctx, { action: 'devices.events.retention', target: { type: 'device_events', id: 'all' }, outcome: 'success', details: { deleted, before, retentionDays } });
    return { deleted, before };
  });
}
