/**
 * StorageHealth: whether this node can commit, learned from every query the database driver runs
 * (observed-dialect.ts) and from the pg clients' 'error' events (issue 17).
 *
 * MUST: a storage fault (storage-fault.ts) turns the state to failing at once; only a committed
 *       transaction (or an autocommitted write) turns it back to healthy. A successful `select 1`
 *       is not enough: a full disk still answers reads.
 * MUST: while failing, a recovery probe (a one-row write transaction) runs with exponential
 *       back-off up to `probeMaxMs`, so that an idle node notices recovery within a few seconds
 *       and PostgreSQL is reconnected by itself (the pool opens a new connection per attempt).
 * MUST: never throws into the driver path; reporting (logs) goes through a FaultReporter.
 */
import { STORAGE_FAULT_KINDS, type StorageFailure, type StorageFaultKind, type StorageStatus } from '../kernel/index.js';
import { classifyStorageFault } from './storage-fault.js';

/** Where faults are reported (observability's FaultLog, attached by the running server). */
export interface FaultReporter {
  report(kind: string, error: unknown, fields?: Record<string, unknown>): void;
  resolved(kind?: string): void;
}

export interface StorageHealthOptions {
  readonly now?: () => number;
  readonly probeInitialMs?: number;
  readonly probeMaxMs?: number;
}

export class StorageHealth implements StorageStatus {
  #failure: StorageFailure | null = null;
  #probe: (() => Promise<void>) | undefined;
  #reporter: FaultReporter | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #closed = false;
  readonly #waiters = new Set<() => void>();
  readonly #now: () => number;
  readonly #probeInitialMs: number;
  readonly #probeMaxMs: number;
  /** Failed queries and commits per fault kind, since start (the metrics read them). */
  readonly failures: Record<StorageFaultKind, number> = Object.fromEntries(STORAGE_FAULT_KINDS.map((k) => [k, 0])) as Record<StorageFaultKind, number>;
  /** Outages seen (healthy -> failing transitions). */
  outages = 0;

  constructor(options: StorageHealthOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#probeInitialMs = options.probeInitialMs ?? 250;
    this.#probeMaxMs = options.probeMaxMs ?? 2_000;
    this.#delay = this.#probeInitialMs;
  }

  get healthy(): boolean {
    return this.#failure === null;
  }

  failure(): StorageFailure | null {
    return this.#failure;
  }

  /** The write the recovery probe commits (set by openDatabase). */
  attachProbe(probe: () => Promise<void>): void {
    this.#probe = probe;
  }

  attachReporter(reporter: FaultReporter | undefined): void {
    this.#reporter = reporter;
  }

  /** A driver error: true if it was a storage fault (and is now counted). */
  recordError(error: unknown, where: string): boolean {
    const fault = classifyStorageFault(error);
    if (!fault) return false;
    this.failures[fault.kind] += 1;
    if (this.#failure === null) {
      this.#failure = { kind: fault.kind, code: fault.code, since: this.#now() };
      this.outages += 1;
      this.#delay = this.#probeInitialMs;
      this.#scheduleProbe();
    }
    this.#reporter?.report(fault.kind, error, { code: fault.code, where });
    return true;
  }

  /** A transaction committed (or an autocommitted write succeeded). */
  recordCommit(): void {
    if (this.#failure === null) return;
    this.#failure = null;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#reporter?.resolved();
    for (const wake of [...this.#waiters]) wake();
  }

  whenHealthy(timeoutMs: number): Promise<boolean> {
    if (this.#failure === null) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(this.#failure === null);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const wake of [...this.#waiters]) wake();
  }

  #scheduleProbe(): void {
    if (this.#closed || this.#probe === undefined || this.#timer !== undefined) return;
    const delay = this.#delay;
    this.#delay = Math.min(this.#probeMaxMs, this.#delay * 2);
    this.#timer = setTimeout(() => {
      const probe = this.#probe;
      if (probe === undefined || this.#failure === null) {
        this.#timer = undefined;
        return;
      }
      // The probe's commit (or failure) is observed by the driver like any other query.
      void probe()
        .catch(() => undefined)
        .finally(() => {
          this.#timer = undefined;
          if (this.#failure !== null) this.#scheduleProbe();
        });
    }, delay);
    this.#timer.unref();
  }
}
