/**
 * Server-Sent Events (HTML Living Standard §9.2, EventSource) from a same-origin API route: the
 * session cookie authenticates the stream, as it does every other request.
 *
 * MUST: same-origin URLs only (the router's safePath): a stream never goes to another site.
 * MUST: a message that is not JSON is ignored, never evaluated; the handler gets `unknown` and
 *       checks the shape itself.
 * The browser reconnects by itself after a network error; the state says so meanwhile.
 */
import { useEffect, useRef, useState } from 'react';
import { safePath } from '../router';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** Listens to `events` on the stream at `url` (null: no stream) while mounted. */
export function useEventStream(url: string | null, handlers: Readonly<Record<string, (data: unknown) => void>>): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const current = useRef(handlers);
  current.current = handlers;
  const names = Object.keys(handlers).sort().join(',');

  useEffect(() => {
    if (url === null || typeof EventSource === 'undefined') {
      setState('closed');
      return undefined;
    }
    setState('connecting');
    const source = new EventSource(safePath(url));
    source.onopen = () => setState('live');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
    const listeners = names
      .split(',')
      .filter((name) => name !== '')
      .map((name) => {
        const listener = (event: MessageEvent<string>) => {
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            return;
          }
          current.current[name]?.(data);
        };
        source.addEventListener(name, listener);
        return [name, listener] as const;
      });
    return () => {
      for (const [name, listener] of listeners) source.removeEventListener(name, listener);
      source.close();
    };
  }, [url, names]);

  return state;
}

export function StreamBadge({ state }: { readonly state: StreamState }) {
  const label = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'not live' }[state];
  return (
    <span className={`badge stream-${state}`} role="status" data-testid="stream-state">
      {label}
    </span>
  );
}
