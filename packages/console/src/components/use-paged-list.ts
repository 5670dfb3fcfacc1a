/**
 * One page of a server-paged list, loaded again whenever its query (the URL's filters, sort and
 * cursor) changes. The previous page stays on screen while the next one loads, so the table does
 * not jump; an error replaces the rows (DataTable shows it).
 *
 * Use:
 *   const filters = useUrlFilters({ q: '', sort: 'serial', dir: 'asc', cursor: '' });
 *   const list = usePagedList(() => api.devicesPage({ ...toServerQuery(filters.values) }), JSON.stringify(filters.values));
 *   const pager = useCursorPager(filters, list.data?.nextCursor);
 *
 * MUST: an answer that arrives after a newer query started is dropped (no stale page).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface PagedList<P> {
  readonly data: P | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

export function usePagedList<P>(load: () => Promise<P>, key: string): PagedList<P> {
  const [data, setData] = useState<P | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const stableLoad = useCallback(load, [key]);
  useEffect(() => {
    const ticket = (latest.current += 1);
    setLoading(true);
    stableLoad().then(
      (answer) => {
        if (ticket !== latest.current) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (ticket !== latest.current) return;
        setError(caught);
        setLoading(false);
      },
    );
  }, [stableLoad, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

/** The server's `sort` parameter (`key` or `-key`) from the URL's `sort` and `dir`. */
export function serverSort(sort: string, dir: string): string | undefined {
  if (sort === '') return undefined;
  return dir === 'desc' ? `-${sort}` : sort;
}

/** Drops empty values, so that an unset filter is not sent. */
export function definedOnly<T extends Record<string, string | number | undefined>>(query: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: { [K in keyof T]?: Exclude<T[K], undefined> } = {};
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') (out as Record<string, unknown>)[key] = value;
  return out;
}
