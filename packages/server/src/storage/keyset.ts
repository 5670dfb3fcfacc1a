/**
 * Keyset paging in SQL for kernel/list-page.ts: ORDER BY (sort expression, id) and "strictly
 * after the cursor's position", the same on SQLite and PostgreSQL.
 *
 * MUST: the sort expression comes from a store's own whitelist map (never from a request), and
 *       is never NULL (stores wrap nullable columns in COALESCE), because the two dialects order
 *       NULLs differently.
 * MUST: the cursor's values are bound parameters.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { ListPage } from '../kernel/index.js';

export interface KeysetColumns {
  /** The sort expression (a column reference, a COALESCE or a CASE), never NULL. */
  readonly sort: RawBuilder<unknown>;
  /** The unique tie-breaker column. */
  readonly id: RawBuilder<unknown>;
}

/** The condition "row after the page's cursor", or null on the first page. */
export function afterCursor<K extends string>(page: ListPage<K>, columns: KeysetColumns): Expression<SqlBool> | null {
  if (page.after === null) return null;
  const cmp = sql.raw(page.direction === 'asc' ? '>' : '<');
  const value = page.after.value ?? '';
  return sql<SqlBool>`(${columns.sort} ${cmp} ${value} or (${columns.sort} = ${value} and ${columns.id} ${cmp} ${page.after.id}))`;
}

/** ORDER BY fragment for the page: sort expression then id, both in the page's direction. */
export function keysetOrder<K extends string>(page: ListPage<K>, columns: KeysetColumns): RawBuilder<unknown> {
  const dir = sql.raw(page.direction === 'asc' ? 'asc' : 'desc');
  return sql`${columns.sort} ${dir}, ${columns.id} ${dir}`;
}

/** Escapes LIKE wildcards in a search term, for `like ... escape '\'`. */
export function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `lower(column) like %term% escape '\'`, the same on both dialects. */
export function containsText(column: RawBuilder<unknown>, term: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${column}) like ${likePattern(term)} escape '\\'`;
}
