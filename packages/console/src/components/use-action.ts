/** One user action against the API at a time: busy while it runs, its error kept for display. */
import { useCallback, useState } from 'react';

export interface Action {
  readonly busy: boolean;
  readonly error: unknown;
  /** Runs `fn` unless one is running; returns its result, or undefined when it failed. */
  run<T>(fn: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(null), []);
  return { busy, error, run, clear };
}
