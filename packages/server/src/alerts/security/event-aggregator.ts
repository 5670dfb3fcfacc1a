/**
 * Aggregation of repeated info-level security events into counted rows (issue 11 item 5: one
 * device reconnecting in a loop stored 179,919 events in 10 minutes).
 *
 * Events with the same type, reason, organization, user, device and source that arrive within
 * `windowMs` of the first one are stored as that first event plus ONE summary row, written when
 * the window closes: the first event's fields, a new id, the time of the last one, and
 * `details.aggregated` (how many more), `details.firstAt`, `details.lastAt`.
 *
 * MUST: only `info` events are aggregated; low and above are stored one by one, always.
 * MUST: detectors are not affected: the detection engine runs them on every event before this
 *       sink (alerts still see each connect, each refusal).
 * MUST: nothing is lost silently: every folded event is in a summary row's count, and `flush()`
 *       (at shutdown) writes the open windows. Memory is bounded (`maxKeys`; a key pushed out is
 *       flushed first).
 * MUST: emit() never throws and never waits for I/O (kernel/security-event.ts).
 */
import { newId, type SecurityEvent, type SecurityEventSink } from '../../kernel/index.js';

export interface AggregationOptions {
  readonly windowMs: number;
  readonly maxKeys?: number;
  readonly now?: () => number;
}

interface Window {
  readonly start: number;
  readonly first: SecurityEvent;
  readonly firstAt: string;
  more: number;
  lastAt: string;
}

export class AggregatingSecurityEventSink implements SecurityEventSink {
  readonly #windows = new Map<string, Window>();
  readonly #maxKeys: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  /** Events folded into a summary row instead of stored one by one, since start. */
  aggregated = 0;

  constructor(
    private readonly inner: SecurityEventSink,
    private readonly options: AggregationOptions,
  ) {
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  emit(event: SecurityEvent): void {
    if (event.severity !== 'info' || this.options.windowMs <= 0) {
      this.inner.emit(event);
      return;
    }
    const now = this.#now();
    const at = (event as { time?: string }).time ?? new Date(now).toISOString();
    const key = [event.type, event.reason, event.orgId, event.userId, event.deviceId, event.source].map((v) => v ?? '').join('\n');
    const open = this.#windows.get(key);
    if (open && now - open.start < this.options.windowMs) {
      open.more += 1;
      open.lastAt = at;
      this.aggregated += 1;
      return;
    }
    if (open) this.#close(key, open);
    if (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.entries().next().value;
      if (oldest !== undefined) this.#close(oldest[0], oldest[1]);
    }
    this.#windows.set(key, { start: now, first: event, firstAt: at, more: 0, lastAt: at });
    this.inner.emit(event);
    this.#arm();
  }

  /** Writes the summary rows of windows that have closed (all of them with `all`). */
  flush(all = true): void {
    const now = this.#now();
    for (const [key, window] of [...this.#windows]) {
      if (all || now - window.start >= this.options.windowMs) this.#close(key, window);
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush(true);
  }

  #close(key: string, window: Window): void {
    this.#windows.delete(key);
    if (window.more === 0) return;
    const { id: _id, time: _time, ...first } = window.first as SecurityEvent & { id?: string; time?: string };
    const summary: SecurityEvent & { id: string; time: string } = {
      ...first,
      id: newId(),
      time: window.lastAt,
      details: { ...first.details, aggregated: window.more, firstAt: window.firstAt, lastAt: window.lastAt },
    };
    this.inner.emit(summary);
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.flush(false);
      if (this.#windows.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, Math.max(250, this.options.windowMs));
    this.#timer.unref();
  }
}
