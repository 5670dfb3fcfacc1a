/**
 * The revocation notifier: an in-process port through which the transports learn at once that
 * a device lost its access (revoked, quarantined, decommissioned), to cut its open connections.
 * main.ts connects it to the MQTT broker; the issue asks that revocation take effect on
 * connections already open (FDA premarket guidance, Appendix 1 A).
 *
 * MUST: a listener that throws does not stop the others, nor the revocation that triggered it.
 * MUST: a change is announced once, whether it was made here or seen later by the status watcher.
 */
import type { AccessWithdrawal } from './model.js';

export type AccessWithdrawnListener = (deviceId: string, reason: AccessWithdrawal) => void;

export class DeviceAccessNotifier {
  readonly #listeners = new Set<AccessWithdrawnListener>();
  /** deviceId -> `${reason}@${changedAt}` of the last announcement, to announce each change once. */
  readonly #announced = new Map<string, string>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Registers a listener; returns the function that removes it. */
  onRevoked(listener: AccessWithdrawnListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Announces a withdrawal; `changedAt` (the status change time) deduplicates repeats. */
  notify(deviceId: string, reason: AccessWithdrawal, changedAt: string): void {
    const key = `${reason}@${changedAt}`;
    if (this.#announced.get(deviceId) === key) return;
    this.#announced.set(deviceId, key);
    if (this.#announced.size > 100_000) this.#announced.delete(this.#announced.keys().next().value as string);
    for (const listener of this.#listeners) {
      try {
        listener(deviceId, reason);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}
