/**
 * FaultLog: one structured log entry at the first failure of each kind, then a counted summary
 * every `summaryEveryMs`, not a line per failure (issue 17: a full disk printed ~6,000 lines in
 * 30 s). Used for storage faults and for security events that could not be stored.
 *
 * MUST: the first entry of an episode carries the original error (pino `err`, with its code and
 *       cause chain); later failures of the same kind are only counted until the next summary.
 * MUST: `resolved()` ends the episode: a pending count is summarized at once, and the next failure
 *       of that kind logs a full entry again, unless it comes within `quietMs` of the recovery (a
 *       flapping disk that commits now and then): then the episode goes on, counted.
 * MUST: bounded: at most MAX_KINDS kinds are tracked (the rest are counted under 'other').
 */
import type { Logger } from 'pino';

export interface FaultLogOptions {
  readonly logger: Logger;
  /** The message of every entry, e.g. 'storage commit failed'. */
  readonly message: string;
  readonly summaryEveryMs?: number;
  /** A failure this soon after a recovery continues the episode (default: summaryEveryMs). */
  readonly quietMs?: number;
  readonly now?: () => number;
}

interface Episode {
  readonly since: number;
  pending: number;
  total: number;
  /** Set by resolved(); the episode ends for good once quietMs pass without a failure. */
  recoveredAt: number | undefined;
}

const MAX_KINDS = 32;

export class FaultLog {
  readonly #episodes = new Map<string, Episode>();
  #timer: NodeJS.Timeout | undefined;
  readonly #every: number;
  readonly #now: () => number;

  #logger: Logger;

  constructor(private readonly options: FaultLogOptions) {
    this.#every = options.summaryEveryMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
  }

  /** The running server replaces the default (stderr) logger with its own. */
  useLogger(logger: Logger): void {
    this.#logger = logger;
  }

  /** A failure of `kind`; `fields` are extra structured fields (codes, ids; never PHI). */
  report(kind: string, error: unknown, fields: Record<string, unknown> = {}): void {
    const key = this.#episodes.has(kind) || this.#episodes.size < MAX_KINDS ? kind : 'other';
    const episode = this.#episodes.get(key);
    const now = this.#now();
    if (episode && (episode.recoveredAt === undefined || now - episode.recoveredAt < (this.options.quietMs ?? this.#every))) {
      episode.pending += 1;
      episode.total += 1;
      episode.recoveredAt = undefined;
      this.#arm();
      return;
    }
    this.#episodes.set(key, { since: now, pending: 0, total: 1, recoveredAt: undefined });
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    this.#logger.error({ kind: key, ...(code !== undefined ? { code: String(code) } : {}), ...fields, err: error }, this.options.message);
  }

  /** The failures of `kind` stopped (or every kind, without one). */
  resolved(kind?: string): void {
    for (const [key, episode] of [...this.#episodes]) {
      if ((kind !== undefined && key !== kind) || episode.recoveredAt !== undefined) continue;
      this.#summarize(key, episode);
      this.#logger.info({ kind: key, total: episode.total, durationMs: this.#now() - episode.since }, `${this.options.message}: recovered`);
      episode.recoveredAt = this.#now();
    }
  }

  /** Writes the pending summaries now (the timer does it every summaryEveryMs). */
  flush(): void {
    for (const [key, episode] of this.#episodes) this.#summarize(key, episode);
  }

  close(): void {
    this.flush();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #summarize(key: string, episode: Episode): void {
    if (episode.pending === 0) return;
    this.#logger.warn({ kind: key, count: episode.pending, total: episode.total, since: new Date(episode.since).toISOString() }, `${this.options.message} (summary)`);
    episode.pending = 0;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.flush();
      if (![...this.#episodes.values()].some((e) => e.pending > 0)) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, this.#every);
    this.#timer.unref();
  }
}
