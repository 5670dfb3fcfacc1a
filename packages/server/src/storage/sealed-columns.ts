/**
 * Columns that hold envelope-sealed values (Sealer strings, `v1.<kek id>.…`), for KEK rotation:
 * re-wrap every value that is not under the active KEK, count what is left, and (for tests and
 * audits) scan every text column of the database for values under a given KEK.
 *
 * MUST: a value is replaced only if it is unchanged since it was read (the UPDATE names the old
 *       value), so a concurrent writer's newer value is never overwritten with an older one.
 * MUST: a value that does not authenticate stops the run (KEYS_CIPHERTEXT_INVALID); it is never
 *       skipped silently.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Sealer } from '../keys/index.js';
import type { SqlDatabase } from './sql-database.js';

export interface SealedColumn {
  readonly table: string;
  readonly column: string;
  /** The columns that identify a row. */
  readonly key: readonly string[];
  /** Further columns the context is made of. */
  readonly reads?: readonly string[];
  /** Only rows where this column equals this value (system_meta). */
  readonly only?: { readonly column: string; readonly value: string };
  readonly context: (row: Readonly<Record<string, unknown>>) => string;
}

const BATCH = 200;

function underOtherKek(spec: SealedColumn, activeKekId: string): RawBuilder<unknown> {
  const col = sql.ref(spec.column);
  const only = spec.only ? sql` AND ${sql.ref(spec.only.column)} = ${spec.only.value}` : sql``;
  return sql`${col} LIKE 'v1.%' AND ${col} NOT LIKE ${`v1.${activeKekId}.%`}${only}`;
}

/** Re-wraps the values of one column that are not under the active KEK; returns how many. */
export async function rewrapSealedColumn(database: SqlDatabase, sealer: Sealer, spec: SealedColumn): Promise<number> {
  const { db } = database;
  const active = sealer.activeKeyId();
  const columns = [...new Set([...spec.key, ...(spec.reads ?? []), spec.column])];
  let rewrapped = 0;
  for (let pass = 0; pass < 10_000; pass++) {
    const { rows } = await sql<Record<string, unknown>>`SELECT ${sql.join(columns.map((c) => sql.ref(c)))} FROM ${sql.table(spec.table)}
      WHERE ${underOtherKek(spec, active)} LIMIT ${BATCH}`.execute(db);
    if (rows.length === 0) break;
    let moved = 0;
    for (const row of rows) {
      const old = String(row[spec.column]);
      const fresh = sealer.rewrap(old, spec.context(row));
      const keyMatch = sql.join(
        spec.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`),
        sql` AND `,
      );
      const result = await sql`UPDATE ${sql.table(spec.table)} SET ${sql.ref(spec.column)} = ${fresh} WHERE ${keyMatch} AND ${sql.ref(spec.column)} = ${old}`.execute(db);
      if (Number(result.numAffectedRows ?? 0n) === 1) moved += 1;
    }
    rewrapped += moved;
    if (moved === 0) break; // every row changed under us: the next rotation pass sees them again
  }
  return rewrapped;
}

/** How many values of the column are under another KEK than the active one. */
export async function countNotUnder(database: SqlDatabase, spec: SealedColumn, activeKekId: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(spec.table)} WHERE ${underOtherKek(spec, activeKekId)}`.execute(database.db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Every (table, column) of the database whose text holds a value sealed under `kekId`, with a
 * count, plus the BulkSealer's data keys wrapped under it. A full scan: for tests and audits.
 */
export async function findSealedUnderKek(database: SqlDatabase, kekId: string): Promise<{ table: string; column: string; count: number }[]> {
  const { db } = database;
  const textColumns: { table: string; column: string }[] = [];
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{ table_name: string; column_name: string }>`SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json')`.execute(db);
    textColumns.push(...rows.map((r) => ({ table: r.table_name, column: r.column_name })));
  } else {
    const { rows: tables } = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`.execute(db);
    for (const { name } of tables) {
      const { rows } = await sql<{ name: string; type: string }>`SELECT name, type FROM pragma_table_info(${name})`.execute(db);
      for (const c of rows) if (c.type === '' || /text|char|clob/i.test(c.type)) textColumns.push({ table: name, column: c.name });
    }
  }
  const found: { table: string; column: string; count: number }[] = [];
  for (const { table, column } of textColumns) {
    const cast = database.dialect === 'postgres' ? sql`CAST(${sql.ref(column)} AS text)` : sql.ref(column);
    const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${cast} LIKE ${`%v1.${kekId}.%`}`.execute(db);
    const count = Number(rows[0]?.n ?? 0);
    if (count > 0) found.push({ table, column, count });
  }
  const keys = await db.selectFrom('sealed_data_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('kek_id', '=', kekId).executeTakeFirst();
  if (Number(keys?.n ?? 0) > 0) found.push({ table: 'sealed_data_keys', column: 'kek_id', count: Number(keys?.n) });
  return found;
}
