/**
 * Audit runs off the main thread for a large installation (issue 14: a full audit over 100,000
 * devices and 10,000 users beside ingest). Above `threshold` devices plus users, the built-in
 * checks are evaluated, and their findings reconciled, in a worker thread
 * (compliance-audit-worker.ts) on its own read-only connection; the main thread keeps only the
 * run's transaction (the changed findings, the run, its audit event). Below it, or if the worker
 * cannot start or fails, everything runs in process (AuditRunService falls back; never skips).
 *
 * MUST: the worker sees the same evidence as the main thread: the same database, and the
 *       settings, key list and CA certificates of this process, passed as data (public facts only).
 */
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { BUILT_IN_CHECKS, type Cadence, type CheckSummary, type DetachedReconciled, type KeyFacts, type OffThreadAudits, type OffThreadSession, type SettingsFacts } from '../compliance/index.js';
import type { Config } from '../config/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ProcessFacts } from './compliance-evidence.js';

export interface AuditWorkerInput {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly auditPolicy: Config['audit'];
  readonly settings: SettingsFacts;
  readonly keys: readonly KeyFacts[];
  readonly caPems: { readonly root: string; readonly device: string };
  readonly drillOverdueDays: number;
  readonly cadence: Cadence;
  readonly now: string;
  readonly checkIds: readonly string[];
}

export type ToAuditWorker =
  | { readonly kind: 'reconcile'; readonly run: { readonly id: string; readonly at: string } }
  | { readonly kind: 'busy'; readonly busy: boolean }
  | { readonly kind: 'close' };
export type FromAuditWorker =
  | { readonly kind: 'evaluated'; readonly summaries: CheckSummary[] }
  | { readonly kind: 'reconciled'; readonly reconciled: DetachedReconciled }
  | { readonly kind: 'error'; readonly message: string };

/** The share of the time the audit worker works while the main thread is busy (it waits the rest). */
export const AUDIT_DUTY_WHEN_BUSY = 0.25;
/** The main thread counts as busy above this event-loop utilization (sampled every BUSY_SAMPLE_MS). */
export const BUSY_UTILIZATION = 0.5;
const BUSY_SAMPLE_MS = 500;
/** The longest single wait of a paced worker. */
const MAX_PACE_WAIT_MS = 2_000;

/**
 * Work-then-wait pacing: pace() returns at once while not busy; while busy it waits so that the
 * work since the last call takes `duty` of the time (work x (1/duty - 1), at most 2 s).
 */
export class Pacer {
  #busy = false;
  #since = performance.now();
  constructor(private readonly duty: number) {}

  setBusy(busy: boolean): void {
    this.#busy = busy;
  }

  async pace(): Promise<void> {
    const worked = performance.now() - this.#since;
    if (this.#busy && worked > 0) {
      const wait = Math.min(MAX_PACE_WAIT_MS, worked * (1 / this.duty - 1));
      await new Promise<void>((resolve) => setTimeout(resolve, wait));
    }
    this.#since = performance.now();
  }
}

/** Below this many devices plus users an audit takes a second in process, less than a worker's start. */
export const OFF_THREAD_AUDIT_THRESHOLD = 20_000;

const BUILT_IN_IDS = new Set(BUILT_IN_CHECKS.map((c) => c.id));

export function offThreadAudits(w: { database: SqlDatabase; dataDir: string; config: Config; facts: () => ProcessFacts; threshold?: number }): OffThreadAudits {
  const threshold = w.threshold ?? OFF_THREAD_AUDIT_THRESHOLD;
  return {
    async start(cadence, now, checkIds) {
      const ids = checkIds.filter((id) => BUILT_IN_IDS.has(id));
      if (ids.length === 0 || (await installationSize(w.database)) < threshold) return null;
      const facts = w.facts();
      const [keys, caPems] = await Promise.all([facts.keys(), facts.caPems()]);
      const input: AuditWorkerInput = {
        dataDir: w.dataDir,
        databaseUrl: w.config.databaseUrl,
        auditPolicy: w.config.audit,
        settings: facts.settings,
        keys,
        caPems,
        drillOverdueDays: facts.drillOverdueDays,
        cadence,
        now: now.toISOString(),
        checkIds: ids,
      };
      return session(new Worker(new URL('./compliance-audit-worker.js', import.meta.url), { workerData: input }), ids);
    },
  };
}

/** Devices plus users: what makes an audit long. */
async function installationSize(database: SqlDatabase): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select (select count(*) from devices) + (select count(*) from users) as n`.execute(database.db);
  return Number(rows[0]?.n ?? 0);
}

/** The main thread's side of one worker: its messages as promises; any failure rejects what is pending. */
function session(worker: Worker, checkIds: readonly string[]): OffThreadSession {
  let evaluated!: { resolve: (s: CheckSummary[]) => void; reject: (e: Error) => void };
  let pending: { resolve: (r: DetachedReconciled) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    evaluated.reject(error);
    pending?.reject(error);
    pending = null;
  };
  const summaries = new Promise<CheckSummary[]>((resolve, reject) => (evaluated = { resolve, reject }));
  summaries.catch(() => undefined);
  worker.on('message', (message: FromAuditWorker) => {
    if (message.kind === 'evaluated') evaluated.resolve(message.summaries);
    else if (message.kind === 'reconciled') {
      pending?.resolve(message.reconciled);
      pending = null;
    } else fail(new Error(`compliance audit worker: ${message.message}`));
  });
  // The main thread's load, sampled: the worker yields to ingest and requests while it is busy.
  let last = performance.eventLoopUtilization();
  let busy = false;
  const sampler = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const next = performance.eventLoopUtilization(now, last).utilization > BUSY_UTILIZATION;
    last = now;
    if (next !== busy) {
      busy = next;
      worker.postMessage({ kind: 'busy', busy } satisfies ToAuditWorker);
    }
  }, BUSY_SAMPLE_MS);
  sampler.unref();
  worker.on('error', fail);
  worker.on('exit', (code) => {
    clearInterval(sampler);
    fail(new Error(`compliance audit worker exited (code ${code})`));
  });
  return {
    checkIds,
    evaluated: summaries,
    reconcile(run) {
      if (failure) return Promise.reject(failure);
      return new Promise<DetachedReconciled>((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage({ kind: 'reconcile', run } satisfies ToAuditWorker);
      });
    },
    close() {
      clearInterval(sampler);
      worker.postMessage({ kind: 'close' } satisfies ToAuditWorker);
      worker.unref();
    },
  };
}
