/**
 * A small in-process scheduler for periodic jobs (audit checkpoints, certificate renewal).
 *
 * MUST: a job never overlaps itself; a failing run is reported and the next run still happens.
 * MUST: `stop()` waits for running jobs, so shutdown never cuts a job's transaction in half.
 */
export interface Job {
  readonly name: string;
  readonly everyMs: number;
  run(): Promise<void>;
}

export class Scheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(private readonly onError: (job: string, error: unknown) => void) {}

  add(job: Job): void {
    if (this.#stopped) return;
    let busy = false;
    const tick = () => {
      if (busy || this.#stopped) return;
      busy = true;
      const run = job
        .run()
        .catch((error: unknown) => this.onError(job.name, error))
        .finally(() => {
          busy = false;
          this.#running.delete(run);
        });
      this.#running.add(run);
    };
    const timer = setInterval(tick, job.everyMs);
    timer.unref();
    this.#timers.set(job.name, timer);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearInterval(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#running]);
  }
}
