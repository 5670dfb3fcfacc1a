/**
 * RequestCounter: counts API calls per hour, organization, caller, method, route pattern and
 * status class in memory, and adds them to the store in one write per flush (a job, and at
 * close). The HTTP transport calls `record` from its onResponse hook: cheap, no I/O.
 *
 * MUST: only route patterns are counted ('/api/v1/patients/:id'), never URLs or queries (which
 *       may carry identifiers or PHI).
 * MUST: a failed flush keeps the counts for the next one (they are not lost, nor double-counted).
 */
import type { Clock } from '../../kernel/index.js';
import { hourOf } from './model.js';
import type { RequestCount, UsageStore } from './store.js';

export interface RequestSample {
  readonly method: string;
  /** The route pattern, or '(unmatched)'. */
  readonly route: string;
  readonly statusCode: number;
  readonly orgId: string | null;
  readonly userId: string | null;
}

export class RequestCounter {
  #counts = new Map<string, RequestCount>();

  constructor(
    private readonly store: () => UsageStore,
    private readonly clock: Clock,
  ) {}

  record(sample: RequestSample): void {
    const row: Omit<RequestCount, 'count'> = {
      hour: hourOf(this.clock.now()),
      orgId: sample.orgId ?? '',
      userId: sample.userId ?? '',
      method: sample.method,
      route: sample.route.slice(0, 200),
      statusClass: `${Math.floor(sample.statusCode / 100)}xx`,
    };
    const key = [row.hour, row.orgId, row.userId, row.method, row.route, row.statusClass].join('\u0000');
    const current = this.#counts.get(key);
    this.#counts.set(key, { ...row, count: (current?.count ?? 0) + 1 });
  }

  /** Writes what was counted since the last flush; returns the number of requests written. */
  async flush(): Promise<number> {
    if (this.#counts.size === 0) return 0;
    const batch = this.#counts;
    this.#counts = new Map();
    const rows = [...batch.values()];
    try {
      await this.store().addRequestCounts(rows);
    } catch (error) {
      for (const [key, row] of batch) {
        const later = this.#counts.get(key);
        this.#counts.set(key, { ...row, count: row.count + (later?.count ?? 0) });
      }
      throw error;
    }
    return rows.reduce((n, r) => n + r.count, 0);
  }
}
