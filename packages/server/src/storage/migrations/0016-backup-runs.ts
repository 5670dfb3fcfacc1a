/**
 * 0016: backup runs (issue 12): every backup, verification, prune, restore and drill, with its
 * outcome, for reports, the drill history and the console. No PHI: ids, targets, sizes, times,
 * and a short coded or operator-facing detail.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('backup_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('backup_id', 'text')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('bytes', bigint)
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('backup_runs_kind_started').on('backup_runs').columns(['kind', 'started_at']).execute();
}
