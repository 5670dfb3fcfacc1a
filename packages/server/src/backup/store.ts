/**
 * The ports backup needs from storage: a consistent snapshot of the database, and a read-only
 * look inside a snapshot copy (integrity, facts, audit log). Implemented per engine in storage/.
 *
 * MUST: the facts of a snapshot (audit head, row counts, last telemetry time, schema version) are
 *       read inside that snapshot, never from the live database afterwards.
 */
import type { AuditReader } from '../audit/index.js';
import type { BackupEngine } from './model.js';

export interface DatabaseFacts {
  readonly schemaVersion: string;
  readonly auditHead: { readonly seq: number; readonly hash: string } | null;
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly lastTelemetryAt: string | null;
}

export interface DatabaseSnapshot {
  /** The staged snapshot (a SQLite file, or pg_dump's custom-format output), mode 0600. */
  readonly file: string;
  /**
   * The facts, read inside the snapshot; they may still be being read (from the copy) while the
   * file is encrypted and uploaded: the manifest, written last, awaits them.
   */
  readonly facts: Promise<DatabaseFacts>;
  /** Removes the staged file. */
  remove(): Promise<void>;
}

export interface SnapshotSource {
  readonly engine: BackupEngine;
  /** Takes a consistent snapshot while the server keeps writing; staging files go in `stagingDir`. */
  snapshot(stagingDir: string): Promise<DatabaseSnapshot>;
}

export interface SnapshotInspection {
  /** Problems `PRAGMA integrity_check` (or a scratch restore) found; empty when sound. */
  readonly integrityProblems: readonly string[];
  readonly facts: DatabaseFacts;
  /** The copy's audit log; null when the copy does not open. */
  readonly audit: AuditReader | null;
  close(): Promise<void>;
}

/** Opens a decrypted snapshot read-only, for verification. */
export type SnapshotInspector = (engine: BackupEngine, file: string) => Promise<SnapshotInspection>;

/** Builds a database for a new data directory from a decrypted snapshot, then migrates it. */
export type SnapshotRestorer = (engine: BackupEngine, file: string, dataDir: string) => Promise<void>;

/** One backup, verification, prune or drill, as recorded for reports and the console. */
export interface BackupRun {
  readonly id: string;
  readonly kind: 'create' | 'verify' | 'prune' | 'restore' | 'drill';
  readonly backupId: string | null;
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'success' | 'failure';
  readonly bytes: number | null;
  /** A short coded or operator-facing summary; never PHI. */
  readonly detail: string;
}

export interface BackupRunStore {
  insert(run: BackupRun): Promise<void>;
  recent(kind: BackupRun['kind'] | null, limit: number): Promise<BackupRun[]>;
}
