/**
 * "Back up now" and "Run drill now" from the console: one job at a time, run in the background
 * of the server, its progress and result kept in memory for the page to poll.
 *
 * MUST: at most one job runs at a time; starting another while one runs is BACKUP_JOB_RUNNING.
 * MUST: the start and the end of every job are audited (backup.job.start, backup.job.finish with
 *       its outcome) in addition to what the backup or drill itself audits.
 * MUST: a job's view carries no PHI: ids, targets, sizes, times, outcomes and short error texts.
 */
import { AppError, newId, type Clock, type RequestContext } from '../kernel/index.js';

export type ConsoleJobKind = 'backup' | 'drill';

export interface ConsoleJobResult {
  readonly backupId: string | null;
  readonly ok: boolean;
  readonly outcomes: Array<{ target: string; ok: boolean; bytes: number; error?: string }>;
  readonly rtoMs: number | null;
  readonly rpoMs: number | null;
}

export interface ConsoleJob {
  readonly id: string;
  readonly kind: ConsoleJobKind;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** Bytes of the database part done so far, and its size (backups only). */
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly result: ConsoleJobResult | null;
  readonly error: string | null;
}

export type ConsoleJobWork = (onProgress: (done: number, total: number) => void) => Promise<ConsoleJobResult>;

export interface ConsoleJobAudit {
  (ctx: RequestContext, action: 'backup.job.start' | 'backup.job.finish', job: ConsoleJob): Promise<void>;
}

export class ConsoleJobRunner {
  #job: ConsoleJob | null = null;
  #running: Promise<void> | null = null;

  constructor(private readonly deps: { readonly clock: Clock; readonly audit: ConsoleJobAudit }) {}

  /** The running job, or the last one that ran (null before the first). */
  current(): ConsoleJob | null {
    return this.#job;
  }

  /** Starts a job (audited before it starts); BACKUP_JOB_RUNNING while another runs. */
  async start(ctx: RequestContext, kind: ConsoleJobKind, work: ConsoleJobWork): Promise<ConsoleJob> {
    if (this.#job?.state === 'running') throw new AppError('BACKUP_JOB_RUNNING', { detail: `a ${this.#job.kind} job (${this.#job.id}) is running; wait for it to finish` });
    const job: ConsoleJob = { id: newId(), kind, state: 'running', startedAt: this.deps.clock.now().toISOString(), finishedAt: null, progress: null, result: null, error: null };
    this.#job = job;
    try {
      await this.deps.audit(ctx, 'backup.job.start', job);
    } catch (error) {
      this.#job = null;
      throw error;
    }
    this.#running = this.#run(ctx, job.id, work);
    return job;
  }

  /** Resolves when the running job (if any) has finished; for shutdown and tests. */
  async settled(): Promise<void> {
    await this.#running;
  }

  async #run(ctx: RequestContext, id: string, work: ConsoleJobWork): Promise<void> {
    const update = (patch: Partial<ConsoleJob>) => {
      if (this.#job?.id === id) this.#job = { ...this.#job, ...patch };
    };
    try {
      // Progress comes from worker threads: a report that arrives after the job finished is dropped.
      const result = await work((done, total) => {
        if (this.#job?.id === id && this.#job.state === 'running') update({ progress: { done, total } });
      });
      // A job that succeeded did all of its work, whether or not its last progress report came in first.
      const last = this.#job?.id === id ? this.#job.progress : null;
      const progress = result.ok && last !== null ? { done: last.total, total: last.total } : last;
      update({ state: result.ok ? 'succeeded' : 'failed', result, progress, finishedAt: this.deps.clock.now().toISOString(), error: result.ok ? null : 'see the outcomes' });
    } catch (error) {
      update({ state: 'failed', finishedAt: this.deps.clock.now().toISOString(), error: (error instanceof AppError ? (error.detail ?? error.publicMessage) : error instanceof Error ? error.message : String(error)).slice(0, 300) });
    }
    const finished = this.#job;
    if (finished?.id === id) await this.deps.audit(ctx, 'backup.job.finish', finished).catch(() => undefined);
  }
}
