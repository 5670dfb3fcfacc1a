/**
 * DeviceActivity: the telemetry side reports that a device was seen; the registry's lastSeenAt
 * follows, written in batches (one write per device per flush, not one per message).
 *
 * Not audited: last-seen is operational state, not a security-relevant change; it would flood
 * the audit log at ingest rate. (Connections and refusals are security events elsewhere.)
 * MUST: markSeen never throws and never blocks ingest; a failed flush keeps the latest entries.
 */
import type { DeviceStore } from './store.js';

export interface DeviceActivity {
  markSeen(deviceId: string, at: Date, sourceAddress: string): void;
}

export class DeviceActivityBuffer implements DeviceActivity {
  readonly #pending = new Map<string, { at: string; address: string }>();
  readonly #store: Pick<DeviceStore, 'markSeen'>;

  constructor(store: Pick<DeviceStore, 'markSeen'>) {
    this.#store = store;
  }

  markSeen(deviceId: string, at: Date, sourceAddress: string): void {
    const iso = at.toISOString();
    const previous = this.#pending.get(deviceId);
    if (previous === undefined || previous.at < iso) this.#pending.set(deviceId, { at: iso, address: sourceAddress.slice(0, 64) });
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Writes what was seen since the last flush. */
  async flush(): Promise<number> {
    if (this.#pending.size === 0) return 0;
    const entries = [...this.#pending].map(([id, v]) => ({ id, at: v.at, address: v.address }));
    this.#pending.clear();
    try {
      await this.#store.markSeen(entries);
    } catch (error) {
      for (const e of entries) this.markSeen(e.id, new Date(e.at), e.address);
      throw error;
    }
    return entries.length;
  }
}
