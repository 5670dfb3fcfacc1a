/**
 * The detection engine: the one security event stream as code. Every event gets its id and time
 * here, is stored (unless its type is observed-only, like PHI reads that the audit log already
 * holds), and runs through every enabled detector in process; device messages run through the
 * message detectors. Candidates go to the alert service.
 *
 * MUST: emit() and observeMessage() never throw and never wait for I/O (they are on the login,
 *       request and ingest paths); a detector that throws is counted and skipped.
 * MUST: detectors hold bounded state (window-counter.ts).
 */
import { newId, type Clock, type SecurityEvent, type SecurityEventSink } from '../../kernel/index.js';
import type { AlertCandidate, Detector, ObservedEvent, ObservedMessage } from './model.js';

/** Event types that feed detectors but are not stored (their record is in the audit log). */
export const OBSERVED_ONLY_TYPES: ReadonlySet<string> = new Set(['phi.read']);

export interface DetectionEngineOptions {
  readonly clock: Clock;
  readonly detectors: readonly Detector[];
  /** Where events are stored (security_events). */
  readonly store: SecurityEventSink;
  readonly raise: (candidate: AlertCandidate) => void;
}

export class DetectionEngine implements SecurityEventSink {
  #detectors: readonly Detector[];
  #messageDetectors: readonly Detector[];
  /** Detector failures (a bug, never an attack signal): counted, not thrown. */
  failures = 0;

  constructor(private readonly options: DetectionEngineOptions) {
    this.#detectors = options.detectors;
    this.#messageDetectors = options.detectors.filter((d) => d.observeMessage !== undefined);
  }

  emit(event: SecurityEvent): void {
    const given = event as Partial<ObservedEvent>;
    const observed: ObservedEvent = { ...event, id: given.id ?? newId(), time: given.time ?? this.options.clock.now().toISOString() };
    if (!OBSERVED_ONLY_TYPES.has(observed.type)) this.options.store.emit(observed);
    for (const detector of this.#detectors) {
      try {
        const found = detector.observe(observed);
        if (found) this.options.raise(found);
      } catch {
        this.failures += 1;
      }
    }
  }

  /** A device message accepted by a transport (count and size detectors). */
  observeMessage(message: ObservedMessage): void {
    for (const detector of this.#messageDetectors) {
      try {
        const found = detector.observeMessage?.(message);
        if (found) this.options.raise(found);
      } catch {
        this.failures += 1;
      }
    }
  }

  /**
   * Swaps in detectors built from new settings (an approved detector-settings change), keeping
   * each detector's state across the swap (a window under way is not forgotten).
   */
  reconfigure(detectors: readonly Detector[]): void {
    const state = this.snapshot();
    this.#detectors = detectors;
    this.#messageDetectors = detectors.filter((d) => d.observeMessage !== undefined);
    this.restore(state);
  }

  /** The detectors' state, by detector name, to survive a restart (issue 11 item 5). */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const detector of this.#detectors) if (detector.snapshot) out[detector.name] = detector.snapshot();
    return out;
  }

  /** Loads a snapshot; a detector that rejects its part is counted and starts empty. */
  restore(state: unknown): void {
    if (typeof state !== 'object' || state === null) return;
    for (const detector of this.#detectors) {
      const part = (state as Record<string, unknown>)[detector.name];
      if (part === undefined || !detector.restore) continue;
      try {
        detector.restore(part);
      } catch {
        this.failures += 1;
      }
    }
  }

  get hasMessageDetectors(): boolean {
    return this.#messageDetectors.length > 0;
  }
}
