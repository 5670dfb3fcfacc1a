/**
 * Commands from the cloud (`vigil/v1/devices/{id}/commands`, QoS 1): check, run, acknowledge.
 *
 * MUST: a command is refused ('rejected') when malformed, expired by the device clock
 *       ('expired'), valid for longer than maxTtlMs ('ttl-too-long': a far expiry would pin its
 *       nonce forever), carrying a nonce already seen ('replayed-nonce'), or naming no registered
 *       handler ('unknown-command'). FDA premarket guidance App. 1 C: replay protection.
 * MUST: the nonce is recorded durably before the handler runs (see nonce-cache.ts).
 * MUST: every command that can be identified (commandId and nonce present) gets a CommandAck;
 *       a payload that cannot be identified is dropped (there is nothing to acknowledge).
 * MUST: a handler's exception becomes status 'failed' with reason 'handler-error'; its message
 *       never goes on the wire (it may hold local details).
 */
import type { CommandAck, CommandEnvelope } from '@vigil/protocol';
import type { NonceCache } from './nonce-cache.js';

export type CommandArgs = CommandEnvelope['args'];

export interface CommandOutcome {
  readonly status?: 'done' | 'failed';
  /** A short coded reason, lowercase: [a-z0-9-]{1,64}. */
  readonly reason?: string;
}

export type CommandHandler = (args: CommandArgs, command: CommandEnvelope) => void | CommandOutcome | Promise<void | CommandOutcome>;

export interface CommandDispatcherOptions {
  readonly nonces: NonceCache;
  readonly now?: () => number;
  /** Longest validity accepted (expiresAt - now). Default 24 h. */
  readonly maxTtlMs?: number;
}

export const DEFAULT_MAX_COMMAND_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_COMMAND_BYTES = 16 * 1024;
const NAME_RE = /^[a-z][a-z0-9._-]{0,63}$/i;
const NONCE_RE = /^[A-Za-z0-9_-]{16,128}$/;
const REASON_RE = /^[a-z0-9-]{1,64}$/;
const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

export class CommandDispatcher {
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly nonces: NonceCache;
  private readonly now: () => number;
  private readonly maxTtlMs: number;

  constructor(options: CommandDispatcherOptions) {
    this.nonces = options.nonces;
    this.now = options.now ?? Date.now;
    this.maxTtlMs = options.maxTtlMs ?? DEFAULT_MAX_COMMAND_TTL_MS;
  }

  /** Registers the handler of command `name` (replacing a previous one). */
  on(name: string, handler: CommandHandler): void {
    if (!NAME_RE.test(name)) throw new TypeError(`invalid command name ${JSON.stringify(name)}`);
    this.handlers.set(name, handler);
  }

  /** Checks and runs one command payload; returns the ack to publish, or undefined to drop. */
  async dispatch(payload: Uint8Array): Promise<CommandAck | undefined> {
    if (payload.length > MAX_COMMAND_BYTES) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(payload).toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const { commandId, nonce } = raw as Record<string, unknown>;
    if (typeof commandId !== 'string' || commandId.length === 0 || commandId.length > 128 || typeof nonce !== 'string' || !NONCE_RE.test(nonce)) {
      return undefined;
    }
    const reject = (reason: string): CommandAck => ({ v: 1, commandId, nonce, status: 'rejected', reason });
    const command = parseCommand(raw as Record<string, unknown>);
    if (command === undefined) return reject('malformed');
    const now = this.now();
    const expiresAt = Date.parse(command.expiresAt);
    if (expiresAt <= now) return reject('expired');
    if (expiresAt - now > this.maxTtlMs) return reject('ttl-too-long');
    const check = await this.nonces.checkAndRecord(nonce, expiresAt, now);
    if (check === 'replayed') return reject('replayed-nonce');
    if (check === 'full') return reject('nonce-cache-full');
    const handler = this.handlers.get(command.name);
    if (handler === undefined) return reject('unknown-command');
    try {
      const outcome = await handler(command.args, command);
      const status = outcome?.status ?? 'done';
      const reason = outcome?.reason;
      return { v: 1, commandId, nonce, status, ...(reason !== undefined && REASON_RE.test(reason) ? { reason } : {}) };
    } catch {
      return { v: 1, commandId, nonce, status: 'failed', reason: 'handler-error' };
    }
  }
}

const COMMAND_KEYS = new Set(['v', 'commandId', 'nonce', 'name', 'args', 'issuedAt', 'expiresAt']);

function parseCommand(raw: Record<string, unknown>): CommandEnvelope | undefined {
  for (const key of Object.keys(raw)) if (!COMMAND_KEYS.has(key)) return undefined;
  const { v, commandId, nonce, name, args, issuedAt, expiresAt } = raw;
  if (v !== 1 || typeof name !== 'string' || !NAME_RE.test(name)) return undefined;
  if (typeof issuedAt !== 'string' || !ISO_UTC_RE.test(issuedAt) || Number.isNaN(Date.parse(issuedAt))) return undefined;
  if (typeof expiresAt !== 'string' || !ISO_UTC_RE.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) return undefined;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const entries = Object.entries(args);
  if (entries.length > 32) return undefined;
  const clean: Record<string, string | number | boolean> = {};
  for (const [key, value] of entries) {
    if (key.length > 64 || key === '__proto__') return undefined;
    if (typeof value === 'string' ? value.length > 1024 : typeof value === 'number' ? !Number.isFinite(value) : typeof value !== 'boolean') return undefined;
    clean[key] = value;
  }
  return { v: 1, commandId: commandId as string, nonce: nonce as string, name, args: clean, issuedAt, expiresAt };
}
