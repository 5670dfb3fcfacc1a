/**
 * Export of the audit log as JSON lines: one `{"kind":"event",...}` line per event in seq
 * order, then one `{"kind":"checkpoint",...}` line per checkpoint. The lines carry every
 * hashed field, so an export can be verified on its own (`vigil audit verify --file`).
 */
import type { AuditCheckpoint, AuditRecord } from '@vigil/protocol';
import type { StoredAuditRecord } from './model.js';
import type { AuditReader } from './store.js';

export async function* readAllEvents(reader: AuditReader, batchSize = 5000): AsyncGenerator<AuditRecord> {
  yield* paged((after) => reader.readAfter(after, batchSize), batchSize);
}

/** Every event with `details` as its stored canonical text: the fast path of verification. */
export async function* readAllStoredEvents(reader: AuditReader, batchSize = 10_000): AsyncGenerator<StoredAuditRecord> {
  yield* paged((after) => reader.readStoredAfter(after, batchSize), batchSize);
}

async function* paged<T extends { readonly seq: number }>(read: (afterSeq: number) => Promise<T[]>, batchSize: number): AsyncGenerator<T> {
  let after = 0;
  for (;;) {
    const batch = await read(after);
    for (const record of batch) yield record;
    const last = batch[batch.length - 1];
    if (!last || batch.length < batchSize) return;
    after = last.seq;
  }
}

export async function* exportJsonl(reader: AuditReader): AsyncGenerator<string> {
  for await (const record of readAllEvents(reader)) yield `${JSON.stringify({ kind: 'event', ...record })}\n`;
  for (const cp of await reader.checkpoints()) yield `${JSON.stringify({ kind: 'checkpoint', ...cp })}\n`;
}

/** Parses an export back into events and checkpoints (for offline verification of a file). */
export function parseJsonlExport(text: string): { events: AuditRecord[]; checkpoints: AuditCheckpoint[] } {
  const events: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line += 1;
    if (raw.trim() === '') continue;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || !('kind' in value)) throw new Error(`line ${line}: not an audit export line`);
    const { kind, ...rest } = value as { kind: unknown } & Record<string, unknown>;
    if (kind === 'event') events.push(rest as unknown as AuditRecord);
    else if (kind === 'checkpoint') checkpoints.push(rest as unknown as AuditCheckpoint);
    else throw new Error(`line ${line}: unknown kind`);
  }
  return { events, checkpoints };
}
