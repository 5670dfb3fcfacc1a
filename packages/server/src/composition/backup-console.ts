/**
 * The console's side of backups (issue 12): the overview (audited), and "back up now" / "run
 * drill now" as background jobs whose progress the page polls (backup/console-jobs.ts).
 *
 * MUST: works with nothing configured (the overview says so; starting a job is BACKUP_NOT_CONFIGURED).
 * MUST: a drill started here uses the server-held drill key and the first target, like the
 *       scheduled drill, and records its run; the job's start and end are audited.
 */
import { join } from 'node:path';
import { buildOverview, ConsoleJobRunner, type ConsoleJob, type ConsoleJobKind } from '../backup/index.js';
import type { CronJobs } from '../jobs/index.js';
import { AppError, type RequestContext } from '../kernel/index.js';
import type { Platform } from '../main.js';
import { backupRunStore } from '../storage/index.js';
import type { BackupConsole } from '../transports/http/index.js';
import { backupTargets, drillIdentity, hasRecoveryRecipient, wireBackup } from './backup.js';
import { drillNow } from './drill.js';

export function backupConsole(platform: Platform, jobs: CronJobs | undefined, env: NodeJS.ProcessEnv): BackupConsole {
  const runs = backupRunStore(platform.database.db);
  const record = (ctx: RequestContext, event: Parameters<ReturnType<Platform['auditLog']['writer']>['record']>[1]) => platform.withAuditStore((store) => platform.auditLog.writer(store).record(ctx, event));
  const configured = async () => backupTargets(platform.config, env).length > 0 && (await hasRecoveryRecipient(platform.dataDir));
  const runner = new ConsoleJobRunner({
    clock: platform.clock,
    audit: async (ctx, action, job) => {
      await record(ctx, {
        action,
        target: { type: 'backup-job', id: job.id },
        outcome: job.state === 'failed' ? 'failure' : 'success',
        ...(job.state === 'failed' ? { reason: 'backup_failed' } : {}),
        details: { kind: job.kind, ...(job.result?.backupId ? { backupId: job.result.backupId } : {}) },
      });
    },
  });

  const work = async (kind: ConsoleJobKind, ctx: RequestContext): Promise<Parameters<ConsoleJobRunner['start']>[2]> => {
    const service = await wireBackup(platform, { env, configFile: env['VIGIL_CONFIG'] });
    if (kind === 'backup') {
      return async (onProgress) => {
        const result = await service.create(ctx, onProgress);
        const outcomes = result.outcomes.map((o) => ({ target: o.target, ok: o.ok, bytes: o.bytes, ...(o.error !== undefined ? { error: o.error.slice(0, 300) } : {}) }));
        return { backupId: result.id, ok: outcomes.every((o) => o.ok), outcomes, rtoMs: null, rpoMs: null };
      };
    }
    const identity = await drillIdentity(platform);
    const [target] = service.targets;
    if (identity === undefined || target === undefined) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no drill key in this data directory (vigil backup init-recovery creates one)' });
    return async () => {
      const { signed } = await drillNow(
        { target, identity, live: { platform, service }, objectives: platform.config.backup.objectives, reportDir: join(platform.dataDir, 'drills'), scratchRoot: join(platform.dataDir, 'backup-staging') },
        ctx,
      );
      const r = signed.report;
      return { backupId: r.backupId, ok: r.ok, outcomes: [], rtoMs: r.rtoMs, rpoMs: r.rpoMs };
    };
  };
  return {
    overview: async (ctx) => {
      const ready = await configured();
      const listed = ready ? await (await wireBackup(platform, { env })).list() : [];
      await record(ctx, { action: 'backup.overview.view', target: { type: 'backup', id: 'overview' }, outcome: 'success' });
      return buildOverview({ configured: ready, listed, runs: await runs.recent(null, 200), nextRuns: jobs?.nextRuns() ?? [], objectives: platform.config.backup.objectives });
    },
    startJob: async (ctx, kind): Promise<ConsoleJob> => {
      if (!(await configured())) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no backup target or recovery recipient is configured' });
      // The job outlives the request; it keeps the requester's context for its audit events.
      const run = await work(kind, ctx);
      return runner.start(ctx, kind, run);
    },
    job: () => Promise.resolve(runner.current()),
    settled: () => runner.settled(),
  };
}
