/**
 * Live clinical events (vitals as they commit, alerts as they open or change) for SSE streams.
 * In process; the port lets a message bus (NATS, Redis) carry them across nodes later.
 *
 * MUST: an event names its organization and patient, and a subscriber filters by both BEFORE
 *       anything reaches a client (the stream authorized the patient set).
 * MUST: a slow or failing subscriber never blocks ingest: publish is synchronous and isolated.
 */
import type { VitalPoint } from '../../telemetry/index.js';
import type { ClinicalAlert } from './model.js';

export type ClinicalLiveEvent =
  | { readonly kind: 'vital'; readonly orgId: string; readonly patientId: string; readonly vital: VitalPoint }
  | { readonly kind: 'alert'; readonly orgId: string; readonly patientId: string; readonly alert: ClinicalAlert };

export interface ClinicalEventBus {
  publish(event: ClinicalLiveEvent): void;
  /** Events of one organization; returns the unsubscribe function. */
  subscribe(orgId: string, listener: (event: ClinicalLiveEvent) => void): () => void;
}

export class InProcessClinicalEventBus implements ClinicalEventBus {
  readonly #listeners = new Map<string, Set<(event: ClinicalLiveEvent) => void>>();

  publish(event: ClinicalLiveEvent): void {
    for (const listener of this.#listeners.get(event.orgId) ?? []) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  }

  subscribe(orgId: string, listener: (event: ClinicalLiveEvent) => void): () => void {
    let set = this.#listeners.get(orgId);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(orgId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(orgId);
    };
  }

  /** Subscribers now, for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const s of this.#listeners.values()) n += s.size;
    return n;
  }
}
