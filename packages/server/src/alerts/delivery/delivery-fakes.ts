/** In-memory fakes of the delivery ports, for tests (imported by *.test.ts only). */
import { validateEvent, type AuditEventInput, type AuditWriter } from '../../audit/index.js';
import type { Sealer } from '../../keys/index.js';
import { newId, type Principal, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import type { SecurityAlert } from '../security/index.js';
import type { ChannelChange, ChannelRow, DeadLetterRow, DeliveryScope, DeliveryStore, OutboxRow } from './store.js';

export class MemoryDeliveryStore implements DeliveryStore {
  readonly channels: ChannelRow[] = [];
  readonly deadLetters: DeadLetterRow[] = [];
  outbox: OutboxRow[] = [];
  insertChannel(row: ChannelRow): Promise<void> {
    this.channels.push(row);
    return Promise.resolve();
  }
  updateChannel(orgId: string, id: string, change: ChannelChange): Promise<void> {
    const i = this.channels.findIndex((c) => c.orgId === orgId && c.id === id);
    const current = this.channels[i];
    if (current) this.channels[i] = { ...current, ...change };
    return Promise.resolve();
  }
  deleteChannel(orgId: string, id: string): Promise<void> {
    this.outbox = this.outbox.filter((o) => !(o.orgId === orgId && o.channelId === id));
    const i = this.channels.findIndex((c) => c.orgId === orgId && c.id === id);
    if (i >= 0) this.channels.splice(i, 1);
    return Promise.resolve();
  }
  insertOutbox(row: OutboxRow): Promise<void> {
    this.outbox.push(row);
    return Promise.resolve();
  }
  updateOutbox(orgId: string, id: string, change: Pick<OutboxRow, 'attempts' | 'nextAttemptAt' | 'leaseUntil'>): Promise<void> {
    this.outbox = this.outbox.map((o) => (o.orgId === orgId && o.id === id ? { ...o, ...change } : o));
    return Promise.resolve();
  }
  deleteOutbox(orgId: string, id: string): Promise<void> {
    this.outbox = this.outbox.filter((o) => !(o.orgId === orgId && o.id === id));
    return Promise.resolve();
  }
  listOutboxResumable(now: string, limit: number): Promise<OutboxRow[]> {
    return Promise.resolve(this.outbox.filter((o) => o.leaseUntil === null || o.leaseUntil < now).slice(0, limit));
  }
  claimOutbox(orgId: string, id: string, now: string, leaseUntil: string): Promise<boolean> {
    const row = this.outbox.find((o) => o.orgId === orgId && o.id === id && (o.leaseUntil === null || o.leaseUntil < now));
    if (row === undefined) return Promise.resolve(false);
    this.outbox = this.outbox.map((o) => (o === row ? { ...o, leaseUntil } : o));
    return Promise.resolve(true);
  }
  listChannels(orgId: string): Promise<ChannelRow[]> {
    return Promise.resolve(this.channels.filter((c) => c.orgId === orgId).reverse());
  }
  findChannel(orgId: string, id: string): Promise<ChannelRow | undefined> {
    return Promise.resolve(this.channels.find((c) => c.orgId === orgId && c.id === id));
  }
  insertDeadLetter(row: DeadLetterRow): Promise<void> {
    this.deadLetters.push(row);
    return Promise.resolve();
  }
  listDeadLetters(orgId: string, status: DeadLetterRow['status'], limit: number): Promise<DeadLetterRow[]> {
    return Promise.resolve(this.deadLetters.filter((d) => d.orgId === orgId && d.status === status).slice(0, limit));
  }
  findDeadLetter(orgId: string, id: string): Promise<DeadLetterRow | undefined> {
    return Promise.resolve(this.deadLetters.find((d) => d.orgId === orgId && d.id === id));
  }
  updateDeadLetter(orgId: string, id: string, change: Pick<DeadLetterRow, 'attempts' | 'lastError' | 'status' | 'resolvedAt'>): Promise<void> {
    const i = this.deadLetters.findIndex((d) => d.orgId === orgId && d.id === id);
    const current = this.deadLetters[i];
    if (current) this.deadLetters[i] = { ...current, ...change };
    return Promise.resolve();
  }
}

export class MemoryAudit implements AuditWriter {
  readonly events: Array<AuditEventInput & { actor: string }> = [];
  /** Checks each event against the coded schema, as the real writer does. */
  record(ctx: RequestContext, event: AuditEventInput) {
    validateEvent(event);
    this.events.push({ ...event, actor: ctx.principal.id });
    return Promise.resolve({} as Awaited<ReturnType<AuditWriter['record']>>);
  }
}

export function memoryUow(store: DeliveryStore, audit: AuditWriter): UnitOfWork<DeliveryScope> {
  return { run: (fn) => fn({ delivery: store, audit }) };
}

/** A reversible stand-in for the envelope sealer that still binds the context. */
export const fakeSealer: Sealer = {
  seal: (plaintext, context) => `fake:${Buffer.from(context).toString('base64')}:${Buffer.from(plaintext).toString('base64')}`,
  open: (sealed, context) => {
    const [, ctx, body] = sealed.split(':');
    if (ctx !== Buffer.from(context).toString('base64')) throw new Error('wrong context');
    return Buffer.from(body ?? '', 'base64');
  },
  rewrap: (sealed) => sealed,
  keyIdOf: () => 'fake',
  activeKeyId: () => 'fake',
};

export function userContext(orgId: string, roles: Array<'security-officer' | 'org-admin' | 'clinician' | 'auditor'>): RequestContext {
  const principal: Principal = { kind: 'user', id: newId(), orgId, username: 'u', roles, sessionId: newId(), mfa: true };
  return { principal, requestId: `req-${newId()}`, source: '127.0.0.1' };
}

/** A plain open brute-force alert of `orgId`, first and last seen at `at`: what a delivery test sends. */
export function sampleAlert(orgId: string, at: string): SecurityAlert {
  return {
    id: newId(),
    orgId,
    detector: 'brute-force',
    severity: 'high',
    title: 'Brute force',
    summary: 's',
    subject: { kind: 'user', id: newId() },
    count: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    status: 'open',
    assignee: null,
    suppressedReason: null,
    notes: [],
    evidence: { securityEventIds: [], auditSeqs: [] },
  };
}
