/**
 * 0014: vitals confidential at rest (issue 11, ADR 0008).
 *
 * - sealed_data_keys: the BulkSealer's data keys, wrapped under a KEK (keys/bulk-sealer.ts).
 * - telemetry_readings.value_sealed and clinical_alerts.value_sealed hold the sealed values; the
 *   plaintext columns become nullable and stay NULL for every row written from now on.
 * - telemetry_rollup_blocks: the minute rollups of an hour, sealed as one block (rollup-blocks.ts);
 *   telemetry_minute_rollups stays for rollups in clear (before 0014, or a bench without sealing)
 *   and is emptied by the first start's sealing.
 *
 * Existing plaintext rows are sealed on the first start after this migration, by the platform
 * (storage/seal-plaintext-vitals.ts): a migration has no access to the keys. It then compacts the
 * database (SQLite VACUUM, PostgreSQL VACUUM FULL) so no old plaintext stays in free pages.
 *
 * SQLite cannot drop NOT NULL: each table is rebuilt from its own stored definition (copied in
 * rowid order, indexes recreated as they were). PostgreSQL alters the columns in place.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

const RELAX: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['telemetry_readings', ['value']],
  ['clinical_alerts', ['value']],
];

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  await db.schema
    .createTable('sealed_data_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kek_id', 'text', (c) => c.notNull())
    .addColumn('wrapped', sql.raw(bytes), (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sealed_data_keys_kek').on('sealed_data_keys').column('kek_id').execute();

  for (const [table, columns] of RELAX) {
    if (dialect === 'postgres') {
      for (const column of columns) await sql.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} DROP NOT NULL`).execute(db);
    } else {
      await rebuildWithoutNotNull(db, table, columns);
    }
  }
  await sql.raw(`ALTER TABLE telemetry_readings ADD COLUMN value_sealed ${bytes}`).execute(db);
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('telemetry_rollup_blocks')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    // ISO-8601 UTC of the hour: '2026-11-28T12:00:00.000Z'.
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('n', sql.raw(bigint), (c) => c.notNull())
    .addColumn('sealed', sql.raw(bytes), (c) => c.notNull())
    .addPrimaryKeyConstraint('telemetry_rollup_blocks_pk', ['org_id', 'patient_id', 'metric', 'hour'])
    .execute();
  await db.schema.createIndex('telemetry_rollup_blocks_hour').on('telemetry_rollup_blocks').column('hour').execute();
  await sql.raw('ALTER TABLE clinical_alerts ADD COLUMN value_sealed text').execute(db);
  // Partial indexes of the rows still in clear: empty once sealed (a sealed row writes no entry),
  // they let every start find a row in clear without scanning the tables. (Sealed, the minute
  // rollups table is empty: its first row is found at once.)
  await sql.raw('CREATE INDEX telemetry_readings_in_clear ON telemetry_readings (value) WHERE value IS NOT NULL').execute(db);
  await sql.raw('CREATE INDEX clinical_alerts_in_clear ON clinical_alerts (value) WHERE value IS NOT NULL').execute(db);
}

/** SQLite: recreate `table` from its stored CREATE statement with NOT NULL removed from `columns`. */
async function rebuildWithoutNotNull(db: Kysely<unknown>, table: string, columns: readonly string[]): Promise<void> {
  const { rows } = await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ${table}`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql;
  if (create === undefined || create === null) throw new Error(`0014: no table ${table}`);
  const temp = `${table}_0014`;
  let ddl = create.replace(new RegExp(`^CREATE TABLE\\s+"?${table}"?`, 'i'), `CREATE TABLE ${temp}`);
  for (const column of columns) {
    const notNull = new RegExp(`("?${column}"?\\s+real)\\s+not\\s+null`, 'i');
    if (!notNull.test(ddl)) throw new Error(`0014: ${table}.${column} is not a NOT NULL real column`);
    ddl = ddl.replace(notNull, '$1');
  }
  const indexes = rows.filter((r) => r.type === 'index' && r.sql !== null).map((r) => r.sql as string);
  await sql.raw(ddl).execute(db);
  await sql.raw(`INSERT INTO ${temp} SELECT * FROM ${table} ORDER BY rowid`).execute(db);
  await sql.raw(`DROP TABLE ${table}`).execute(db);
  await sql.raw(`ALTER TABLE ${temp} RENAME TO ${table}`).execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
}
