/**
 * What the broker does while storage cannot commit (issue 17): devices are told to wait, not
 * hammer.
 *   - A new connection is refused with CONNACK return code 3, "Server unavailable" (MQTT 3.1.1
 *     §3.2.2.3), after the TLS gate and before the device lookup; the device SDK backs off on it.
 *   - A PUBLISH whose commit failed for a storage fault is not acknowledged and the connection is
 *     kept: the publish waits for storage to recover (up to `holdMs`) and is then ingested again
 *     (the group commit's seq check makes a retry idempotent), so the PUBACK (§4.3.2) still comes
 *     only after the commit. Past `holdMs` the connection is closed as before, and the device resends.
 * MUST: a refusal here never replaces a stronger one: the TLS gate and the connection throttle run
 *       first; a device that would be refused for its certificate is never admitted by this gate.
 * MUST: a publish is acknowledged only after a commit that succeeded.
 */
import { isStorageUnavailable, type StorageStatus } from '../../kernel/index.js';

export class StorageGate {
  /** Publishes held per device (a device counts once however many it has in flight). */
  readonly #waiting = new Map<string, number>();
  /** Connections refused with CONNACK 3 and publishes held, since start. */
  readonly stats = { connectsRefused: 0, publishesHeld: 0, holdsExpired: 0 };

  constructor(
    private readonly storage: StorageStatus,
    private readonly holdMs: number,
  ) {}

  /** False while storage cannot commit: the caller answers CONNACK 3. */
  admitsConnections(): boolean {
    if (this.storage.healthy) return true;
    this.stats.connectsRefused += 1;
    return false;
  }

  /** Devices with at least one publish waiting for storage. */
  get devicesWaiting(): number {
    return this.#waiting.size;
  }

  /** Per device, the last held publish: later ones of that device retry only after it (in order). */
  readonly #chains = new Map<string, Promise<void>>();

  /**
   * Runs `work` (an ingest); on a storage fault, waits for storage and runs it again, until it
   * succeeds, fails for another reason, or `holdMs` has passed (then the last error is thrown).
   *
   * MUST: a device's held publishes are ingested again in the order they first failed, and a
   *       publish of a device that has held ones waits behind them. Otherwise a later seq could
   *       commit first and turn an earlier one's retry into a replay, which is refused (and, like
   *       every refused publish, acknowledged) without being stored: an acknowledged message lost.
   */
  async run(deviceId: string, work: () => Promise<void>, isOpen: () => boolean): Promise<void> {
    const deadline = Date.now() + this.holdMs;
    let lastError: unknown = null;
    if (!this.#chains.has(deviceId)) {
      try {
        await work();
        return;
      } catch (error) {
        if (!isStorageUnavailable(error) || !isOpen()) throw error;
        lastError = error;
      }
    }
    this.stats.publishesHeld += 1;
    this.#waiting.set(deviceId, (this.#waiting.get(deviceId) ?? 0) + 1);
    const ahead = this.#chains.get(deviceId) ?? Promise.resolve();
    const after = (): Promise<void> => this.#retry(work, isOpen, deadline, lastError);
    const mine = ahead.then(after, after);
    this.#chains.set(deviceId, mine);
    try {
      await mine;
    } finally {
      if (this.#chains.get(deviceId) === mine) this.#chains.delete(deviceId);
      const n = (this.#waiting.get(deviceId) ?? 1) - 1;
      if (n <= 0) this.#waiting.delete(deviceId);
      else this.#waiting.set(deviceId, n);
    }
  }

  /** The held publish's retries, once the ones ahead of it are done. */
  async #retry(work: () => Promise<void>, isOpen: () => boolean, deadline: number, firstError: unknown): Promise<void> {
    let lastError = firstError;
    // A publish that failed waits for storage before its first retry; one queued behind a held
    // publish (never tried) goes at once: what was ahead of it has just been ingested.
    let wait = lastError !== null;
    for (;;) {
      if (wait) {
        const left = deadline - Date.now();
        if (left <= 0 || !isOpen()) {
          if (left <= 0) this.stats.holdsExpired += 1;
          throw lastError;
        }
        // A short pause even if storage already reports healthy again: a flapping disk must not
        // turn the retry into a busy loop.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await this.storage.whenHealthy(Math.max(0, deadline - Date.now()));
      }
      if (!isOpen()) throw lastError ?? new Error('the connection closed while the publish was held');
      try {
        await work();
        return;
      } catch (error) {
        if (!isStorageUnavailable(error) || !isOpen()) throw error;
        lastError = error;
        wait = true;
      }
    }
  }
}
