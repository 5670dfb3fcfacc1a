/**
 * The console's first requests, started before React and the pages' code have loaded (issue 16:
 * the ward board's first render under 1 s). index.html loads this tiny module as its own entry
 * (`async`, ahead of the main bundle: vite.config.ts), so the session check runs while the browser
 * still downloads and parses the console's scripts; when the session says the page at this
 * address is the ward board (a clinician at `/`, or anyone at `/ward`), the board's request
 * follows at once, without waiting for the console to start. The API client takes each answer
 * once (early-answers.ts) instead of asking again.
 *
 * MUST: import nothing at run time (only types): this file must arrive and run on its own, first;
 *       an import would make it wait for the console's main chunk.
 * MUST: the same requests the console would make anyway, with the same options (same-origin
 *       cookie, never cached): no extra PHI read, no request a page would not send.
 */
import type { EarlyAnswers, EarlyJson } from './early-answers';

const SESSION = '/api/v1/auth/session';
const WARD = '/api/v1/ward';

function get(path: string): Promise<Response> {
  return fetch(path, { method: 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store', priority: 'high' });
}

/** Whether the console will show the ward board for this session at this address (see routes.tsx). */
function wardIsHome(body: unknown, path: string): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const session = body as { state?: unknown; user?: { roles?: unknown } };
  if (session.state !== 'authenticated') return false;
  if (path === '/ward') return true;
  return path === '/' && Array.isArray(session.user?.roles) && session.user.roles.includes('clinician');
}

/** The record shared with the console (early-answers.ts, same key). */
const KEY = Symbol.for('vigil.early-answers');

/** Reads a successful answer as soon as it arrives, for the console's first render (early-answers.ts). */
async function read(response: Response, arrived: Map<string, EarlyJson>, path: string): Promise<unknown> {
  if (!response.ok) return undefined;
  const body: unknown = await response.clone().json();
  arrived.set(path, { status: response.status, body, date: response.headers.get('date') });
  return body;
}

function start(): void {
  const holder = globalThis as { [KEY]?: EarlyAnswers };
  const early = (holder[KEY] ??= { started: Date.now(), closed: false, answers: new Map(), arrived: new Map() });
  // The console started first (this file arrived late): it asks for itself.
  if (early.closed) return;
  early.closed = true;
  const arrived = early.arrived ?? new Map<string, EarlyJson>();
  const path = window.location.pathname;
  const session = get(SESSION);
  early.answers.set(SESSION, session);
  // Swallowed here: the console reports a failed session check when it takes the answer.
  const sessionBody = session.then((response) => read(response, arrived, SESSION));
  sessionBody.catch(() => undefined);
  if (path !== '/' && path !== '/ward') return;
  const ward = sessionBody.then(async (body) => {
    if (!wardIsHome(body, path)) throw new Error('not the ward board');
    const response = await get(WARD);
    await read(response, arrived, WARD).catch(() => undefined);
    return response;
  });
  ward.catch(() => undefined);
  early.answers.set(WARD, ward);
}

if (typeof window !== 'undefined' && typeof fetch === 'function') start();
