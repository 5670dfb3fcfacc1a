/**
 * AuditLog: appends events to the hash chain and writes signed checkpoints.
 *
 * MUST: `append` runs inside the caller's transaction (the store is bound to it); any failure
 *       is raised as AUDIT_WRITE_FAILED so the whole operation rolls back (fail closed).
 * MUST: a checkpoint signs exactly the `checkpointEvery`-th event after the previous one, even in
 *       the middle of a batch (verification refuses a longer stretch: audit/coverage.ts), and
 *       `checkpointIfDue` signs at least every `checkpointIntervalSeconds` while new events arrive.
 */
import { checkpointSigningPayload, type AuditCheckpoint, type AuditRecord } from '@vigil/protocol';
import { AppError, newTimeOrderedId, type Clock, type RequestContext } from '../kernel/index.js';
import type { Signer } from '../keys/index.js';
import { hashRecord, validateEvent, type AuditEventInput, type ChainHead } from './model.js';
import type { AuditStore } from './store.js';

export interface AuditLogOptions {
  readonly signer: () => Signer;
  readonly clock: Clock;
  readonly checkpointEvery: number;
  readonly checkpointIntervalSeconds: number;
}

/** What a module's service receives inside a unit of work. */
export interface AuditWriter {
  record(ctx: RequestContext, event: AuditEventInput): Promise<AuditRecord>;
}

export class AuditLog {
  constructor(private readonly options: AuditLogOptions) {}

  /** A writer bound to one transaction's store. */
  writer(store: AuditStore): AuditWriter {
    return {
      record: async (ctx, event) => {
        const [record] = await this.append(store, ctx, [event]);
        if (!record) throw new AppError('AUDIT_WRITE_FAILED', { detail: 'audit: append returned no record' });
        return record;
      },
    };
  }

  /** Appends a batch in one go (group commit): one head read, one insert, one head write. */
  async append(store: AuditStore, ctx: RequestContext, events: readonly AuditEventInput[]): Promise<AuditRecord[]> {
    for (const event of events) validateEvent(event);
    try {
      const head = await store.readHead();
      const time = this.options.clock.now().toISOString();
      let seq = head.seq;
      let prevHash = head.hash;
      let next: ChainHead = head;
      const records: AuditRecord[] = [];
      const checkpoints: AuditCheckpoint[] = [];
      for (const event of events) {
        seq += 1;
        const unhashed = {
          seq,
          eventId: newTimeOrderedId(),
          time,
          actorKind: ctx.principal.kind,
          actorId: ctx.principal.id,
          orgId: event.orgId ?? null,
          action: event.action,
          targetType: event.target.type,
          targetId: event.target.id,
          outcome: event.outcome,
          reason: event.reason ?? null,
          requestId: ctx.requestId,
          source: ctx.source,
          details: event.details ?? {},
          prevHash,
        };
        const record: AuditRecord = { ...unhashed, hash: hashRecord(unhashed) };
        records.push(record);
        prevHash = record.hash;
        next = { ...next, seq, hash: prevHash };
        if (seq - next.checkpointSeq >= this.options.checkpointEvery) {
          const signed = this.signCheckpoint(next);
          checkpoints.push(signed.checkpoint);
          next = signed.head;
        }
      }
      await store.insertEvents(records);
      for (const checkpoint of checkpoints) await store.insertCheckpoint(checkpoint);
      await store.writeHead(next);
      return records;
    } catch (cause) {
      throw new AppError('AUDIT_WRITE_FAILED', { cause, detail: `audit: write failed: ${message(cause)}` });
    }
  }

  /** Writes a checkpoint when events arrived since the last one and the interval has passed. */
  async checkpointIfDue(store: AuditStore, force = false): Promise<AuditCheckpoint | undefined> {
    const head = await store.readHead();
    if (head.seq === head.checkpointSeq) return undefined;
    const now = this.options.clock.now().getTime();
    const last = head.checkpointTime === null ? 0 : Date.parse(head.checkpointTime);
    if (!force && now - last < this.options.checkpointIntervalSeconds * 1000) return undefined;
    const written = await this.writeCheckpoint(store, head);
    await store.writeHead(written.head);
    return written.checkpoint;
  }

  private async writeCheckpoint(store: AuditStore, head: ChainHead): Promise<{ head: ChainHead; checkpoint: AuditCheckpoint }> {
    const signed = this.signCheckpoint(head);
    await store.insertCheckpoint(signed.checkpoint);
    return signed;
  }

  private signCheckpoint(head: ChainHead): { head: ChainHead; checkpoint: AuditCheckpoint } {
    const signer = this.options.signer();
    const time = this.options.clock.now().toISOString();
    const unsigned = { seq: head.seq, hash: head.hash, time, keyId: signer.keyId };
    const signature = Buffer.from(signer.sign(Buffer.from(checkpointSigningPayload(unsigned), 'utf8'))).toString('base64');
    const checkpoint: AuditCheckpoint = { ...unsigned, signature };
    return { head: { ...head, checkpointSeq: head.seq, checkpointTime: time }, checkpoint };
  }
}

function message(cause: unknown): string {
  if (cause instanceof AppError) return cause.detail ?? cause.code;
  return cause instanceof Error ? cause.message : String(cause);
}
