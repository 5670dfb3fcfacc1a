/**
 * Loading a resource from the API for a page, and showing why it could not be loaded: a 403 is
 * the "Access denied" page, a 404 the "Not found" page, anything else the server's error.
 */
import { useCallback, useEffect, useState } from 'react';
import { isApiError } from '../api/client';
import { DeniedPage, NotFoundPage } from '../pages/problem-pages';
import { ErrorNotice } from './feedback';

export type Resource<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'ok'; readonly data: T }
  | { readonly status: 'error'; readonly error: unknown };

/** Loads with `load` on mount and whenever `key` changes; `reload()` loads again. */
export function useResource<T>(load: () => Promise<T>, key: string): [Resource<T>, () => void] {
  const [resource, setResource] = useState<Resource<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  // `load` is a new closure every render; the key says when it means something new.
  const stableLoad = useCallback(load, [key]);
  useEffect(() => {
    let cancelled = false;
    stableLoad().then(
      (data) => {
        if (!cancelled) setResource({ status: 'ok', data });
      },
      (error: unknown) => {
        if (!cancelled) setResource({ status: 'error', error });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [stableLoad, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [resource, reload];
}

/** The page for a resource the server would not give. */
export function ResourceProblem({ error }: { readonly error: unknown }) {
  if (isApiError(error) && error.status === 403) return <DeniedPage error={error} />;
  if (isApiError(error) && error.status === 404) return <NotFoundPage />;
  return <ErrorNotice error={error} />;
}
