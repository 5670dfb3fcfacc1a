/** The backup run history (backup/store.ts BackupRunStore). */
import type { BackupRun, BackupRunStore } from '../../backup/index.js';
import type { Executor } from '../sql-database.js';

const KINDS: ReadonlySet<string> = new Set(['create', 'verify', 'prune', 'restore', 'drill']);

export function backupRunStore(db: Executor): BackupRunStore {
  return {
    async insert(run) {
      await db
        .insertInto('backup_runs')
        .values({
          id: run.id,
          kind: run.kind,
          backup_id: run.backupId,
          target: run.target,
          started_at: run.startedAt,
          finished_at: run.finishedAt,
          outcome: run.outcome,
          bytes: run.bytes,
          detail: run.detail,
        })
        .execute();
    },
    async recent(kind, limit) {
      let query = db.selectFrom('backup_runs').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit);
      if (kind !== null) query = query.where('kind', '=', kind);
      const rows = await query.execute();
      return rows.map(
        (r): BackupRun => ({
          id: r.id,
          kind: KINDS.has(r.kind) ? (r.kind as BackupRun['kind']) : 'create',
          backupId: r.backup_id,
          target: r.target,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          outcome: r.outcome === 'success' ? 'success' : 'failure',
          bytes: r.bytes === null ? null : Number(r.bytes),
          detail: r.detail,
        }),
      );
    },
  };
}
