/**
 * Export of the audit log as JSON lines: one `{"kind":"event",...}` line per event in seq
 * order, then one `{"kind":"checkpoint",...}` line per checkpoint, then one `{"kind":"head",...}`
 * line (the recorded head, which verification cross-checks). The lines carry every hashed field,
 * so an export can be verified on its own (`vigil audit verify --file`), by the same rules.
 *
 * MUST: the head and the checkpoints are read BEFORE the events, and the events are bounded by
 *       them (`snapshotBound`), so that an export taken while the server writes is consistent:
 *       no checkpoint beyond the exported events, no unsigned tail grown during the export.
 */
import type { AuditCheckpoint, AuditRecord } from '@vigil/protocol';
import type { ChainHead, RedactedAuditRecord, StoredAuditRecord } from './model.js';
import type { AuditReader } from './store.js';

export async function* readAllEvents(reader: AuditReader, batchSize = 5000, upTo = Number.POSITIVE_INFINITY): AsyncGenerator<AuditRecord> {
  yield* paged((after) => reader.readAfter(after, batchSize), batchSize, upTo);
}

/** The last seq a consistent read covers: the head read first, or the newest checkpoint read after it. */
export function snapshotBound(head: ChainHead | undefined, checkpoints: readonly AuditCheckpoint[]): number {
  return Math.max(head?.seq ?? 0, ...checkpoints.map((c) => c.seq));
}

/** Every event with `details` as its stored canonical text: the fast path of verification. */
export async function* readAllStoredEvents(reader: AuditReader, batchSize = 10_000, upTo = Number.POSITIVE_INFINITY): AsyncGenerator<StoredAuditRecord> {
  yield* paged((after) => reader.readStoredAfter(after, batchSize), batchSize, upTo);
}

async function* paged<T extends { readonly seq: number }>(read: (afterSeq: number) => Promise<T[]>, batchSize: number, upTo: number): AsyncGenerator<T> {
  let after = 0;
  for (;;) {
    const batch = await read(after);
    for (const record of batch) {
      if (record.seq > upTo) return;
      yield record;
    }
    const last = batch[batch.length - 1];
    if (!last || batch.length < batchSize || last.seq >= upTo) return;
    after = last.seq;
  }
}

/**
 * The export. With `onlyOrg` (an organization's export, GET /api/v1/audit/export for an org's
 * officer), events of other organizations and platform-wide ones are `{"kind":"redacted",...}`
 * lines (seq, time, prevHash, hash): the chain still links and verifies against the checkpoints,
 * without the content of anyone else's events.
 */
export async function* exportJsonl(reader: AuditReader, onlyOrg?: string): AsyncGenerator<string> {
  const head = await reader.head();
  const checkpoints = await reader.checkpoints();
  for await (const record of readAllEvents(reader, 5000, snapshotBound(head, checkpoints))) {
    if (onlyOrg === undefined || record.orgId === onlyOrg) yield `${JSON.stringify({ kind: 'event', ...record })}\n`;
    else yield `${JSON.stringify({ kind: 'redacted', seq: record.seq, time: record.time, prevHash: record.prevHash, hash: record.hash })}\n`;
  }
  for (const cp of checkpoints) yield `${JSON.stringify({ kind: 'checkpoint', ...cp })}\n`;
  if (head) yield `${JSON.stringify({ kind: 'head', ...head })}\n`;
}

/** Parses an export back into events and checkpoints (for offline verification of a file). */
export function parseJsonlExport(text: string): { events: Array<AuditRecord | RedactedAuditRecord>; checkpoints: AuditCheckpoint[]; head?: ChainHead } {
  const events: Array<AuditRecord | RedactedAuditRecord> = [];
  const checkpoints: AuditCheckpoint[] = [];
  let head: ChainHead | undefined;
  let line = 0;
  for (const raw of text.split('\n')) {
    line += 1;
    if (raw.trim() === '') continue;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || !('kind' in value)) throw new Error(`line ${line}: not an audit export line`);
    const { kind, ...rest } = value as { kind: unknown } & Record<string, unknown>;
    if (kind === 'event') events.push(rest as unknown as AuditRecord);
    else if (kind === 'checkpoint') checkpoints.push(rest as unknown as AuditCheckpoint);
    else if (kind === 'head') head = rest as unknown as ChainHead;
    else if (kind === 'redacted') events.push({ ...(rest as unknown as Omit<RedactedAuditRecord, 'redacted'>), redacted: true });
    else throw new Error(`line ${line}: unknown kind`);
  }
  return { events, checkpoints, ...(head ? { head } : {}) };
}
