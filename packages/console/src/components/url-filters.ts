/**
 * A list's filter, sort and page state in the URL's query string, so that a view can be shared,
 * bookmarked and reloaded, and Back returns to the previous view.
 *
 * Use:
 *   const filters = useUrlFilters({ q: '', state: '', sort: 'name', cursor: '' });
 *   filters.values.q                      // '' when absent from the URL
 *   filters.set({ state: 'online' })      // also clears `cursor` (a new filter starts at page 1)
 *   filters.set({ cursor: next }, { keepCursor: true })
 *   filters.reset()                       // back to the defaults
 *   const pager = useCursorPager(filters, page.nextCursor);   // next/previous for <DataTable paging>
 *
 * MUST: only the declared keys are read or written; other query parameters are kept as they are.
 * MUST: a value equal to its default is left out of the URL (short, canonical links).
 * MUST: every change except paging itself clears `cursor`: a cursor belongs to one filter.
 * The values are untrusted input (anyone can edit a URL): the page validates them (e.g. with
 * `oneOf`) before sending them, and the server validates again.
 */
import { useCallback, useMemo, useRef } from 'react';
import { useSearchParams } from 'react-router';

export type FilterValues<K extends string> = { readonly [key in K]: string };

export interface UrlFilters<K extends string> {
  readonly values: FilterValues<K>;
  /** True when any value differs from its default (shows a "Clear filters" control). */
  readonly active: boolean;
  set(patch: Partial<Record<K, string>>, options?: { readonly keepCursor?: boolean; readonly replace?: boolean }): void;
  reset(): void;
}

export function useUrlFilters<K extends string>(defaults: FilterValues<K>): UrlFilters<K> {
  const [params, setParams] = useSearchParams();
  // The defaults are a literal in the caller: keep the first one (a new object each render).
  const initial = useRef(defaults).current;
  const keys = useMemo(() => Object.keys(initial) as K[], [initial]);

  const values = useMemo(() => {
    const out = {} as Record<K, string>;
    for (const key of keys) out[key] = params.get(key) ?? initial[key];
    return out as FilterValues<K>;
  }, [params, keys, initial]);

  const active = keys.some((key) => key !== 'cursor' && values[key] !== initial[key]);

  const set = useCallback(
    (patch: Partial<Record<K, string>>, options: { readonly keepCursor?: boolean; readonly replace?: boolean } = {}) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const key of Object.keys(patch) as K[]) {
            if (!keys.includes(key)) continue;
            const value = patch[key] ?? initial[key];
            if (value === initial[key] || value === '') next.delete(key);
            else next.set(key, value);
          }
          if (options.keepCursor !== true && !('cursor' in patch)) next.delete('cursor');
          return next;
        },
        { replace: options.replace === true },
      );
    },
    [setParams, keys, initial],
  );

  const reset = useCallback(() => {
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      for (const key of keys) next.delete(key);
      return next;
    });
  }, [setParams, keys]);

  return { values, active, set, reset };
}

/** `value` when it is one of `allowed`, else `fallback` (a URL can say anything). */
export function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export interface CursorPager {
  readonly page: number;
  readonly hasNext: boolean;
  readonly hasPrevious: boolean;
  next(): void;
  previous(): void;
}

/**
 * Next/previous over a cursor-paged API, with the current cursor in the URL (`cursor` key). The
 * cursors of earlier pages are kept in memory: after a reload, Previous returns to the first page.
 */
export function useCursorPager<K extends string>(filters: UrlFilters<K | 'cursor'>, nextCursor: string | null | undefined): CursorPager {
  const stack = useRef<string[]>([]);
  const cursor = filters.values.cursor;
  // A filter change cleared the cursor: forget the pages of the old filter.
  if (cursor === '' && stack.current.length > 0) stack.current = [];
  const next = useCallback(() => {
    if (nextCursor === null || nextCursor === undefined || nextCursor === '') return;
    stack.current = [...stack.current, cursor];
    filters.set({ cursor: nextCursor } as Partial<Record<K | 'cursor', string>>);
  }, [filters, cursor, nextCursor]);
  const previous = useCallback(() => {
    const before = stack.current.at(-1) ?? '';
    stack.current = stack.current.slice(0, -1);
    filters.set({ cursor: before } as Partial<Record<K | 'cursor', string>>);
  }, [filters]);
  return {
    page: stack.current.length + 1,
    hasNext: nextCursor !== null && nextCursor !== undefined && nextCursor !== '',
    hasPrevious: cursor !== '',
    next,
    previous,
  };
}
