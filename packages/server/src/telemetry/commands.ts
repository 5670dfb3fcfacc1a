/**
 * Commands to devices (issue 4 item 8): stored with a 128-bit nonce and an expiry, delivered over
 * MQTT (QoS 1) to the device's commands topic, acknowledged on its acks topic.
 *
 * MUST: only a principal holding 'devices:command' in the device's organization may send; a
 *       device of another organization answers 404 (TELEMETRY_COMMAND_DEVICE_NOT_FOUND).
 * MUST: every command, delivery and ack is audited in the transaction that records it.
 * MUST: a command's status is read with devices:read in the device's organization; a command of
 *       another device or organization is not found (404).
 * MUST: an ack counts only from the device the command was addressed to, with the command's
 *       nonce, once; an ack after expiry is recorded as 'expired'. The SDK refuses replayed nonces.
 */
import { randomBytes } from 'node:crypto';
import type { CommandAck, CommandEnvelope } from '@vigil/protocol';
import { decide } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import { AppError, isId, newId, principalOrg, type Clock, type RequestContext, type SecurityEventSink, type UnitOfWork } from '../kernel/index.js';
import type { CommandStatus, DeviceCommandRow, DeviceCommandStore } from './store.js';

export interface CommandScope {
  readonly commands: DeviceCommandStore;
  readonly audit: AuditWriter;
}

/** Port to the devices module: the device, if it exists in that organization. */
export interface DeviceDirectory {
  find(orgId: string, deviceId: string): Promise<{ readonly deviceId: string; readonly orgId: string; readonly status: string } | null>;
}

/** Port to the broker: hands a command to the device's commands topic; false when not connected. */
export interface CommandDelivery {
  deliver(deviceId: string, command: CommandEnvelope): Promise<boolean>;
}

export interface SendCommandInput {
  readonly name: string;
  readonly args: Readonly<Record<string, string | number | boolean>>;
  readonly ttlSeconds: number;
}

export interface SentCommand {
  readonly commandId: string;
  readonly nonce: string;
  readonly expiresAt: string;
  readonly status: CommandStatus;
}

/** A device's accepted acknowledgement, handed to listeners after it is recorded (e.g. rollouts). */
export interface AcknowledgedCommand {
  readonly orgId: string;
  readonly deviceId: string;
  readonly commandId: string;
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly status: CommandStatus;
  readonly reason: string | null;
}

export type AckListener = (ack: AcknowledgedCommand) => Promise<void>;

export const COMMAND_NAME_RE = /^[a-z][a-z0-9_.-]{0,63}$/;
export const MAX_COMMAND_TTL_SECONDS = 7 * 24 * 3600;
/** Most commands one history read returns. */
export const MAX_COMMANDS_LISTED = 100;
const ACK_STATUSES = new Set(['done', 'failed', 'rejected']);

export class CommandService {
  constructor(
    private readonly uow: UnitOfWork<CommandScope>,
    private readonly directory: DeviceDirectory,
    private readonly clock: Clock,
    private readonly events: SecurityEventSink,
    private delivery: CommandDelivery | null = null,
  ) {}

  readonly #ackListeners: AckListener[] = [];

  /**
   * Called with every ack that was recorded (not a refused or duplicate one), after its
   * transaction; a listener handles its own errors (the ack itself is already recorded).
   */
  onAck(listener: AckListener): void {
    this.#ackListeners.push(listener);
  }

  /** The broker is built after the service (it needs the service for acks): main.ts connects it. */
  attachDelivery(delivery: CommandDelivery): void {
    this.delivery = delivery;
  }

  /**
   * `systemOrgId`: for Vigil's own jobs (system principal) acting inside one organization, e.g.
   * an approved firmware rollout delivering its update commands; ignored for any other principal.
   */
  async send(ctx: RequestContext, deviceId: string, input: SendCommandInput, systemOrgId?: string): Promise<SentCommand> {
    const orgId = principalOrg(ctx.principal) ?? (ctx.principal.kind === 'system' ? (systemOrgId ?? null) : null);
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'commands are sent within an organization' });
    const device = await this.directory.find(orgId, deviceId);
    const decision = decide(ctx.principal, 'devices:command', { orgId: device?.orgId ?? orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'not-found' ? 'TELEMETRY_COMMAND_DEVICE_NOT_FOUND' : 'FORBIDDEN', { detail: decision.reason });
    if (!device || device.orgId !== orgId) throw new AppError('TELEMETRY_COMMAND_DEVICE_NOT_FOUND', { detail: 'no such device in this organization' });
    if (device.status !== 'active') throw new AppError('TELEMETRY_COMMAND_INVALID', { detail: `device is ${device.status}` });
    if (!COMMAND_NAME_RE.test(input.name)) throw new AppError('TELEMETRY_COMMAND_INVALID', { detail: 'command name must be a lowercase code' });
    if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_COMMAND_TTL_SECONDS) {
      throw new AppError('TELEMETRY_COMMAND_INVALID', { detail: `ttlSeconds must be 1..${MAX_COMMAND_TTL_SECONDS}` });
    }
    const now = this.clock.now();
    const row: DeviceCommandRow = {
      id: newId(),
      orgId,
      deviceId,
      name: input.name,
      args: JSON.stringify(input.args),
      nonce: randomBytes(16).toString('base64url'),
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000).toISOString(),
      status: 'pending',
      issuedBy: ctx.principal.id,
      deliveredAt: null,
      ackedAt: null,
      ackReason: null,
    };
    await this.uow.run(async (s) => {
      await s.commands.insert(row);
      await s.audit.record(ctx, {
        action: 'devices.command.send',
        target: { type: 'device', id: deviceId },
        outcome: 'success',
        orgId,
        details: { commandId: row.id, name: row.name, ttlSeconds: input.ttlSeconds },
      });
    });
    const sent = await this.deliver(row);
    return { commandId: row.id, nonce: row.nonce, expiresAt: row.expiresAt, status: sent ? 'sent' : 'pending' };
  }

  /** Delivers what waited while the device was offline (called when it connects). */
  async deliverPending(device: { deviceId: string; orgId: string }): Promise<number> {
    const now = this.clock.now().toISOString();
    const rows = await this.uow.run((s) => s.commands.pendingFor(device.orgId, device.deviceId, now, 100));
    let sent = 0;
    for (const row of rows) if (await this.deliver(row)) sent += 1;
    return sent;
  }

  /** An ack from the device (its acks topic). Returns the recorded status, or null when refused. */
  async recordAck(device: { deviceId: string; orgId: string }, decoded: unknown, source: string): Promise<CommandStatus | null> {
    const ack = parseAck(decoded);
    const refuse = (reason: string): null => {
      this.events.emit({ type: 'device.command.ack_refused', severity: 'medium', reason, orgId: device.orgId, deviceId: device.deviceId, source });
      return null;
    };
    if (!ack) return refuse('malformed');
    const ctx: RequestContext = { principal: { kind: 'device', id: device.deviceId, orgId: device.orgId }, requestId: `ack-${newId()}`, source };
    const recorded = await this.uow.run(async (s) => {
      const row = await s.commands.find(device.orgId, ack.commandId);
      if (!row || row.deviceId !== device.deviceId || row.nonce !== ack.nonce) return refuse('unknown-command');
      const at = this.clock.now().toISOString();
      const status: CommandStatus = at > row.expiresAt ? 'expired' : ack.status;
      const moved = await s.commands.recordAck(device.orgId, device.deviceId, row.id, ack.nonce, status, ack.reason ?? null, at);
      if (!moved) return refuse('duplicate-ack');
      await s.audit.record(ctx, {
        action: 'devices.command.ack',
        target: { type: 'device', id: device.deviceId },
        outcome: status === 'done' ? 'success' : 'failure',
        orgId: device.orgId,
        ...(ack.reason !== undefined ? { reason: ack.reason } : {}),
        details: { commandId: row.id, status },
      });
      return { row, status };
    });
    if (recorded === null) return null;
    if (this.#ackListeners.length > 0) {
      const args = parseArgs(recorded.row.args);
      const event: AcknowledgedCommand = { orgId: device.orgId, deviceId: device.deviceId, commandId: recorded.row.id, name: recorded.row.name, args, status: recorded.status, reason: ack.reason ?? null };
      for (const listener of this.#ackListeners) await listener(event);
    }
    return recorded.status;
  }

  /** A command as it stands now: one not acknowledged before its expiry reads as 'expired'. */
  async find(orgId: string, commandId: string): Promise<DeviceCommandRow | undefined> {
    const row = await this.uow.run((s) => s.commands.find(orgId, commandId));
    return row ? this.asNow(row) : undefined;
  }

  /** A device's recent commands with their status, newest first (devices:read in its organization). */
  async history(ctx: RequestContext, deviceId: string, limit: number): Promise<DeviceCommandRow[]> {
    const orgId = await this.readableDevice(ctx, deviceId);
    const rows = await this.uow.run((s) => s.commands.listForDevice(orgId, deviceId, Math.min(Math.max(limit, 1), MAX_COMMANDS_LISTED)));
    return rows.map((r) => this.asNow(r));
  }

  /** One command of a device, as it stands now; another device's or organization's is not found. */
  async status(ctx: RequestContext, deviceId: string, commandId: string): Promise<DeviceCommandRow> {
    const orgId = await this.readableDevice(ctx, deviceId);
    if (!isId(commandId)) throw new AppError('TELEMETRY_COMMAND_NOT_FOUND');
    const row = await this.uow.run((s) => s.commands.find(orgId, commandId));
    if (!row || row.deviceId !== deviceId) throw new AppError('TELEMETRY_COMMAND_NOT_FOUND');
    return this.asNow(row);
  }

  private async readableDevice(ctx: RequestContext, deviceId: string): Promise<string> {
    const orgId = principalOrg(ctx.principal);
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'commands are read within an organization' });
    const decision = decide(ctx.principal, 'devices:read', { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'not-found' ? 'TELEMETRY_COMMAND_DEVICE_NOT_FOUND' : 'FORBIDDEN', { detail: decision.reason });
    const device = await this.directory.find(orgId, deviceId);
    if (!device || device.orgId !== orgId) throw new AppError('TELEMETRY_COMMAND_DEVICE_NOT_FOUND', { detail: 'no such device in this organization' });
    return orgId;
  }

  private asNow(row: DeviceCommandRow): DeviceCommandRow {
    const open = row.status === 'pending' || row.status === 'sent';
    return open && this.clock.now().toISOString() > row.expiresAt ? { ...row, status: 'expired' } : row;
  }

  private async deliver(row: DeviceCommandRow): Promise<boolean> {
    if (!this.delivery) return false;
    const envelope: CommandEnvelope = {
      v: 1,
      commandId: row.id,
      nonce: row.nonce,
      name: row.name,
      args: JSON.parse(row.args) as CommandEnvelope['args'],
      issuedAt: row.issuedAt,
      expiresAt: row.expiresAt,
    };
    const sent = await this.delivery.deliver(row.deviceId, envelope).catch(() => false);
    if (!sent) return false;
    const at = this.clock.now().toISOString();
    await this.uow.run(async (s) => {
      if (!(await s.commands.markSent(row.orgId, row.id, at))) return;
      await s.audit.record(
        { principal: { kind: 'system', id: 'system' }, requestId: `command-${row.id}`, source: 'local' },
        { action: 'devices.command.deliver', target: { type: 'device', id: row.deviceId }, outcome: 'success', orgId: row.orgId, details: { commandId: row.id } },
      );
    });
    return true;
  }
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseAck(value: unknown): CommandAck | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (!['v', 'commandId', 'nonce', 'status', 'reason'].includes(key)) return null;
  if (v['v'] !== 1 || typeof v['commandId'] !== 'string' || typeof v['nonce'] !== 'string' || typeof v['status'] !== 'string') return null;
  if (!ACK_STATUSES.has(v['status'])) return null;
  const reason = v['reason'];
  if (reason !== undefined && (typeof reason !== 'string' || !/^[a-z][a-z0-9_.:-]{0,63}$/.test(reason))) return null;
  return {
    v: 1,
    commandId: v['commandId'].slice(0, 64),
    nonce: v['nonce'].slice(0, 64),
    status: v['status'] as CommandAck['status'],
    ...(reason !== undefined ? { reason: reason as string } : {}),
  };
}
