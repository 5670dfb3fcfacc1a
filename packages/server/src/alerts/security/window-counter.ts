/**
 * Bounded sliding-window counters for detectors (in-process, O(1) amortized per event).
 *
 * MUST: memory is bounded: at most `maxKeys` keys (the least recently touched is evicted) and at
 *       most `maxPerKey` entries per key; an attacker cannot grow a detector's state without limit.
 */
export interface WindowEntry {
  readonly at: number;
  readonly id: string;
  readonly value: string;
  /** The audit sequence number behind the event, if any (evidence). */
  readonly seq: number | undefined;
}

/** What a window counts: an event's time, id and audit seq. */
export interface Countable {
  readonly time: string;
  readonly id: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export class WindowCounter {
  readonly #keys = new Map<string, WindowEntry[]>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
    private readonly maxPerKey = 1_000,
  ) {}

  /** Adds an entry and returns the entries of the key still inside the window (oldest first). */
  add(key: string, event: Countable, value = ''): readonly WindowEntry[] {
    const at = Date.parse(event.time);
    const seq = event.details?.['auditSeq'];
    let entries = this.#keys.get(key);
    if (entries === undefined) {
      entries = [];
      if (this.#keys.size >= this.maxKeys) {
        const oldest = this.#keys.keys().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
      }
    } else {
      this.#keys.delete(key);
    }
    this.#keys.set(key, entries);
    entries.push({ at, id: event.id, value, seq: typeof seq === 'number' ? seq : undefined });
    const cutoff = at - this.windowMs;
    let drop = 0;
    while (drop < entries.length && (entries[drop]?.at ?? 0) <= cutoff) drop += 1;
    if (entries.length - drop > this.maxPerKey) drop = entries.length - this.maxPerKey;
    if (drop > 0) entries.splice(0, drop);
    return entries;
  }

  /** Distinct values among a key's entries in the window. */
  static distinct(entries: readonly WindowEntry[]): number {
    return new Set(entries.map((e) => e.value)).size;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Keys and entries (oldest key first), to survive a restart. */
  export(): Array<[string, WindowEntry[]]> {
    return [...this.#keys.entries()].map(([k, v]) => [k, [...v]]);
  }

  /** Loads exported entries; malformed ones are skipped, and the bounds hold. */
  import(data: unknown): void {
    if (!Array.isArray(data)) return;
    for (const item of data.slice(-this.maxKeys)) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
      const entries = (item[1] as unknown[])
        .filter((e): e is WindowEntry => typeof e === 'object' && e !== null && typeof (e as WindowEntry).at === 'number' && typeof (e as WindowEntry).id === 'string')
        .map((e) => ({ at: e.at, id: e.id, value: typeof e.value === 'string' ? e.value : '', seq: typeof e.seq === 'number' ? e.seq : undefined }))
        .slice(-this.maxPerKey);
      if (entries.length > 0) this.#keys.set(item[0], entries);
    }
  }
}

/** A bounded map with least-recently-set eviction, for per-subject detector memory. */
export class BoundedMap<V> {
  readonly #map = new Map<string, V>();
  constructor(private readonly maxKeys = 10_000) {}
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    if (this.#map.size >= this.maxKeys) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(key, value);
  }
  get size(): number {
    return this.#map.size;
  }
  entries(): Array<[string, V]> {
    return [...this.#map.entries()];
  }
}
