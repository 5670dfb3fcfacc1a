/**
 * The audit store port. Implemented in storage/ for SQLite and PostgreSQL.
 *
 * MUST: append-only: there is no update or delete of events or checkpoints.
 * MUST: `readHead` inside a transaction locks the head, so that concurrent writers chain in order.
 */
import type { AuditCheckpoint, AuditOutcome, AuditRecord } from '@vigil/protocol';
import type { ChainHead, StoredAuditRecord } from './model.js';

export interface AuditStore {
  readHead(): Promise<ChainHead>;
  writeHead(head: ChainHead): Promise<void>;
  insertEvents(records: readonly AuditRecord[]): Promise<void>;
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
}

/** Read-side of the audit store: verification, export, reports. */
export interface AuditReader {
  /** Events with seq > afterSeq, ascending, at most `limit`. */
  readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]>;
  /** The same, with `details` as the stored canonical text (for verification). */
  readStoredAfter(afterSeq: number, limit: number): Promise<StoredAuditRecord[]>;
  checkpoints(): Promise<AuditCheckpoint[]>;
  /** Checkpoints with seq > afterSeq, ascending (the witness job). */
  checkpointsAfter(afterSeq: number): Promise<AuditCheckpoint[]>;
  /** The head as recorded, or undefined when the head row is missing. */
  head(): Promise<ChainHead | undefined>;
  count(): Promise<number>;
  /** The highest seq present, 0 when empty. */
  maxSeq(): Promise<number>;
}

/** A search of the log (GET /api/v1/audit/events). Every given filter must match. */
export interface AuditQuery {
  /** undefined: every organization and the platform-wide events; a string: that organization only. */
  readonly orgId?: string | undefined;
  readonly actorId?: string | undefined;
  readonly action?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  readonly requestId?: string | undefined;
  /** ISO-8601, inclusive / exclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** Cursor: events with seq < beforeSeq (newest first). */
  readonly beforeSeq?: number | undefined;
  readonly limit: number;
}

export interface AuditSearchStore {
  /** Matching events, newest first (seq descending), at most `limit`. */
  search(query: AuditQuery): Promise<AuditRecord[]>;
}
