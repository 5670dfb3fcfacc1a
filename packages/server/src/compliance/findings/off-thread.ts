/**
 * The port for evaluating checks away from the server's main thread (issue 14's bench: a full
 * audit over 100,000 devices beside ingest). The adapter (composition/compliance-off-thread.ts)
 * runs them in a worker thread on its own database connection, reconciles their violations
 * against the findings there, and hands back only what changed; the run's transaction stays on
 * the main thread.
 *
 * MUST: an adapter evaluates exactly the checks it names (`checkIds`), with the catalogue's
 *       severities, and its reconciliation is reconcile() over a snapshot read after the run
 *       asked for it; `before` holds findingStamp() of each changed finding as the snapshot had
 *       it (null: a new finding), so that the run can tell whether anyone wrote it since.
 */
import type { Cadence, CheckResult } from '../checks/index.js';
import { findingKey, type Finding, type Reconciled } from './model.js';

/** A check's result without its violations (they stay where they were found). */
export type CheckSummary = Omit<CheckResult, 'violations'> & { readonly affected: number };

/** A reconciliation done outside the run's transaction. */
export interface DetachedReconciled extends Reconciled {
  /** finding id -> findingStamp() of the snapshot's copy, for each changed finding (null: new). */
  readonly before: Readonly<Record<string, string | null>>;
}

export interface OffThreadSession {
  /** The checks evaluated there. */
  readonly checkIds: readonly string[];
  /** Their summaries, once evaluated (rejects if the worker failed: the run then evaluates them in process). */
  readonly evaluated: Promise<CheckSummary[]>;
  /** Reads the findings of its checks and reconciles its violations against them. */
  reconcile(run: { readonly id: string; readonly at: string }): Promise<DetachedReconciled>;
  close(): void;
}

export interface OffThreadAudits {
  /** A session for the checks among `checkIds` it can evaluate, or null to run all in process. */
  start(cadence: Cadence, now: Date, checkIds: readonly string[]): Promise<OffThreadSession | null>;
}

/** What a concurrent writer would have changed: status, detail, reopenings, last run, time of the change. */
export function findingStamp(f: Finding): string {
  return JSON.stringify([f.updatedAt, f.status, f.detail, f.reopenedCount, f.lastRunId]);
}

/** `rec` with the snapshot's stamps of its changed findings. */
export function detached(rec: Reconciled, snapshot: readonly Finding[]): DetachedReconciled {
  const byId = new Map(snapshot.map((f) => [f.id, f]));
  const before: Record<string, string | null> = {};
  for (const f of rec.changed) {
    const old = byId.get(f.id);
    before[f.id] = old === undefined ? null : findingStamp(old);
  }
  return { ...rec, before };
}

/**
 * Whether a finding written since the snapshots (`fresh`) collides with what a reconciliation
 * would write: a changed finding whose stored state is no longer the one it was computed from, or
 * a new finding whose (check, resource) another writer has stored meanwhile.
 */
export function collides(fresh: readonly Finding[], recs: readonly DetachedReconciled[]): boolean {
  if (fresh.length === 0) return false;
  const before = new Map<string, string>();
  const newKeys = new Set<string>();
  for (const rec of recs) {
    for (const f of rec.changed) {
      const b = rec.before[f.id];
      if (b === null || b === undefined) newKeys.add(findingKey(f));
      else before.set(f.id, b);
    }
  }
  return fresh.some((f) => {
    const b = before.get(f.id);
    return b !== undefined ? b !== findingStamp(f) : newKeys.has(findingKey(f));
  });
}
