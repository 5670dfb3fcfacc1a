/**
 * The hand-over between boot.ts (a separate entry that index.html loads first) and the console's
 * API client: answers to GET requests that boot.ts started before the console's scripts ran.
 *
 * The two share a small record on globalThis, not a module: boot.ts must stay its own few
 * hundred bytes, and the bundler would otherwise fold the console into it.
 *
 * MUST: an answer is taken once, and only soon after loading (FRESH_MS).
 * MUST: once the console has asked for anything, boot.ts (if it arrives late) sends nothing.
 */

/** An early answer older than this is dropped: the page asks again. */
const FRESH_MS = 10_000;
const KEY = Symbol.for('vigil.early-answers');

export interface EarlyAnswers {
  /** Date.now() when boot.ts started its requests. */
  readonly started: number;
  /** True once the console has started: a late boot.ts then sends nothing. */
  closed: boolean;
  readonly answers: Map<string, Promise<Response>>;
  /**
   * The same answers once they have arrived, read (boot.ts parses the JSON as soon as it is
   * there, while the console's scripts still load): the console's first render can then take
   * them at once (`takeEarlyNow`) instead of drawing a "loading" state first. Optional: an older
   * boot.ts (a cached one) does not fill it.
   */
  readonly arrived?: Map<string, EarlyJson>;
}

/** An early answer, read: its status, its JSON body, its Date header. */
export interface EarlyJson {
  readonly status: number;
  readonly body: unknown;
  readonly date: string | null;
}

type Holder = { [KEY]?: EarlyAnswers };

/** The shared record; boot.ts creates it (open), the console's first call closes it. */
export function earlyAnswers(create: () => EarlyAnswers): EarlyAnswers {
  const holder = globalThis as Holder;
  holder[KEY] ??= create();
  return holder[KEY];
}

/**
 * The answer to a GET started at boot, already arrived and read, once, when it was a success
 * (2xx); undefined otherwise (not there yet, stale, an error: the caller then asks as usual, and
 * an error answer is handled there). Taking it here takes it for `takeEarly` too.
 */
export function takeEarlyNow(path: string): EarlyJson | undefined {
  const early = earlyAnswers(() => ({ started: Date.now(), closed: true, answers: new Map() }));
  early.closed = true;
  const arrived = early.arrived?.get(path);
  if (arrived === undefined || arrived.status < 200 || arrived.status > 299 || !early.answers.has(path)) return undefined;
  early.arrived?.delete(path);
  early.answers.delete(path);
  if (Date.now() - early.started > FRESH_MS) return undefined;
  return arrived;
}

/**
 * The answer to a GET started at boot, once; undefined when there is none (or it is stale, or
 * was not sent after all): the caller then sends its own request.
 */
export async function takeEarly(path: string): Promise<Response | undefined> {
  const early = earlyAnswers(() => ({ started: Date.now(), closed: true, answers: new Map() }));
  early.closed = true;
  const answer = early.answers.get(path);
  if (answer === undefined) return undefined;
  early.answers.delete(path);
  if (Date.now() - early.started > FRESH_MS) return undefined;
  try {
    return await answer;
  } catch {
    return undefined;
  }
}
