/**
 * Lists that sort and page: one sort-key whitelist per list, and one opaque cursor codec shared by
 * every list API (patients, users, devices, clinical alerts, security events and alerts).
 *
 * A page is keyset-paged: the cursor is the position (sort value, id) of the last row shown, and
 * the next page is the rows strictly after it in (sort, id) order. The id breaks ties, so a page
 * never repeats or skips a row whose sort value is shared.
 *
 * MUST: a sort key is one of the list's whitelist (LIST_SORT_INVALID otherwise): the key is mapped
 *       to a column by the store, never spliced into SQL from the request.
 * MUST: a cursor is parsed strictly and is tied to the sort key and direction it was made for; a
 *       cursor of another sort, list version or shape is LIST_CURSOR_INVALID (400).
 * MUST: a cursor carries a position only, never a filter, an organization or an identity: every
 *       page re-runs the caller's access rules and tenant scope with the request's own filters,
 *       so a forged cursor can only move within what the caller may already see.
 */
import { AppError } from './app-error.js';

export type SortDirection = 'asc' | 'desc';
/** A sort value as a cursor carries it: text, a number, or null (a missing value sorts first). */
export type SortValue = string | number | null;

export interface SortSpec<K extends string> {
  readonly keys: readonly K[];
  readonly defaultSort: K;
  readonly defaultDirection: SortDirection;
}

export interface CursorPosition {
  readonly value: SortValue;
  readonly id: string;
}

export interface ListPage<K extends string> {
  readonly sort: K;
  readonly direction: SortDirection;
  /** Rows to show; stores fetch one more to learn whether a next page exists. */
  readonly limit: number;
  /** Rows strictly after this position; null for the first page. */
  readonly after: CursorPosition | null;
}

export interface ListPageInput {
  /** `key` (ascending) or `-key` (descending). */
  readonly sort?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

export interface Paged<T> {
  readonly items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const VERSION = 'l1';
const MAX_CURSOR_LENGTH = 700;
const MAX_VALUE_LENGTH = 300;
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const SORT_RE = /^(-?)([A-Za-z][A-Za-z0-9]{0,39})$/;

function badCursor(detail: string): AppError {
  return new AppError('LIST_CURSOR_INVALID', { detail: `list cursor: ${detail}` });
}

/** Parses `sort`, `cursor` and `limit` against the list's whitelist. */
export function parseListPage<K extends string>(spec: SortSpec<K>, input: ListPageInput): ListPage<K> {
  let sort = spec.defaultSort;
  let direction = spec.defaultDirection;
  if (input.sort !== undefined) {
    const m = SORT_RE.exec(input.sort);
    const key = m?.[2];
    if (m === null || key === undefined || !(spec.keys as readonly string[]).includes(key)) {
      throw new AppError('LIST_SORT_INVALID', { publicMessage: `This list can be sorted by: ${spec.keys.join(', ')} (prefix - for descending).` });
    }
    sort = key as K;
    direction = m[1] === '-' ? 'desc' : 'asc';
  }
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AppError('VALIDATION_FAILED', { publicMessage: `limit must be 1..${MAX_PAGE_SIZE}.` });
  const after = input.cursor === undefined ? null : decodeListCursor(input.cursor, sort, direction);
  return { sort, direction, limit, after };
}

export function encodeListCursor(sort: string, direction: SortDirection, position: CursorPosition): string {
  const value = typeof position.value === 'string' ? position.value.slice(0, MAX_VALUE_LENGTH) : position.value;
  return Buffer.from(JSON.stringify([VERSION, sort, direction === 'asc' ? 'a' : 'd', value, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, if it was made for this sort and direction. */
export function decodeListCursor(text: string, sort: string, direction: SortDirection): CursorPosition {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw badCursor('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw badCursor('wrong shape');
  const [version, cursorSort, dir, value, id] = parsed as unknown[];
  if (version !== VERSION) throw badCursor('unknown version');
  if (cursorSort !== sort || dir !== (direction === 'asc' ? 'a' : 'd')) throw badCursor('made for another sort');
  const valueOk =
    value === null || (typeof value === 'string' && value.length <= MAX_VALUE_LENGTH) || (typeof value === 'number' && Number.isFinite(value));
  if (!valueOk) throw badCursor('bad sort value');
  if (typeof id !== 'string' || !ID_RE.test(id)) throw badCursor('bad id');
  return { value: value as SortValue, id };
}

/**
 * Trims a store's `limit + 1` rows to the page and makes the next cursor from the last row shown.
 * `positionOf` returns the row's sort value for the page's key, and its id.
 */
export function toPaged<T, K extends string>(rows: readonly T[], page: ListPage<K>, positionOf: (row: T, sort: K) => CursorPosition): Paged<T> {
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > page.limit && last !== undefined ? encodeListCursor(page.sort, page.direction, positionOf(last, page.sort)) : null;
  return { items, nextCursor };
}

/** Orders two sort values: null first, numbers numerically, text by code unit (as SQL's binary collation). */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Sorts and pages rows held in memory (lists whose sort values are sealed at rest, such as
 * patient names, cannot be ordered by the database). Same keyset rule as the SQL lists.
 */
export function pageInMemory<T, K extends string>(rows: readonly T[], page: ListPage<K>, positionOf: (row: T, sort: K) => CursorPosition): Paged<T> {
  const sign = page.direction === 'asc' ? 1 : -1;
  const order = (a: CursorPosition, b: CursorPosition): number => sign * (compareSortValues(a.value, b.value) || compareSortValues(a.id, b.id));
  const keyed = rows.map((row) => ({ row, pos: positionOf(row, page.sort) }));
  keyed.sort((a, b) => order(a.pos, b.pos));
  const after = page.after;
  const rest = after === null ? keyed : keyed.filter((k) => order(k.pos, after) > 0);
  return toPaged(
    rest.slice(0, page.limit + 1).map((k) => k.row),
    page,
    positionOf,
  );
}
