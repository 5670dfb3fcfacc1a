/**
 * Jobs on a cron schedule (croner), beside the fixed-interval Scheduler: backups hourly, drills
 * quarterly. Times are UTC.
 *
 * MUST: a run never overlaps the previous one (croner's `protect`); a failing run is reported
 *       and the next one still happens.
 * MUST: `stop()` waits for a run in progress.
 */
import { Cron } from 'croner';
import { AppError } from '../kernel/index.js';

export interface CronJob {
  readonly name: string;
  /** Five-field cron pattern, or "off". */
  readonly pattern: string;
  run(): Promise<void>;
}

export class CronJobs {
  readonly #crons: Cron[] = [];
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly onError: (job: string, error: unknown) => void) {}

  add(job: CronJob): void {
    if (job.pattern === 'off') return;
    let cron: Cron;
    try {
      cron = new Cron(job.pattern, { name: job.name, timezone: 'UTC', protect: true, unref: true }, async () => {
        const run = job.run().catch((error: unknown) => this.onError(job.name, error));
        this.#running.add(run);
        await run;
        this.#running.delete(run);
      });
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', { detail: `job ${job.name}: ${JSON.stringify(job.pattern)} is not a cron pattern`, cause });
    }
    this.#crons.push(cron);
  }

  /** The next run of each job (for the console). */
  nextRuns(): Array<{ job: string; at: string | null }> {
    return this.#crons.map((c) => ({ job: c.name ?? 'job', at: c.nextRun()?.toISOString() ?? null }));
  }

  async stop(): Promise<void> {
    for (const cron of this.#crons) cron.stop();
    await Promise.allSettled([...this.#running]);
  }
}

/** Runs `fn` until it succeeds or `attempts` are used, waiting `delayMs * 2^i` between tries. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, options: { attempts: number; delayMs: number; sleep?: (ms: number) => Promise<void> }): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  let last: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      last = error;
      if (attempt < options.attempts) await sleep(options.delayMs * 2 ** (attempt - 1));
    }
  }
  throw last;
}
