/**
 * DeviceStatusWatcher: notices status changes made by another process (the `vigil device`
 * CLI on the same database, or another node) and applies them here as if they were local:
 * drop the authenticator's caches, announce withdrawals to the transports, re-sign the CRL.
 *
 * MUST: every change is seen (the cursor is inclusive, and repeats are filtered by the notifier),
 *       so a CLI revocation cuts open connections within one poll interval.
 */
import type { Clock } from '../kernel/index.js';
import type { DeviceAccessNotifier } from './access-notifier.js';
import type { DeviceAuthenticator } from './authenticator.js';
import type { DeviceStore } from './store.js';

const BATCH = 500;

export class DeviceStatusWatcher {
  #cursor: string;
  readonly #seenAtCursor = new Set<string>();

  constructor(
    private readonly devices: Pick<DeviceStore, 'statusChangesSince'>,
    private readonly authenticator: DeviceAuthenticator,
    private readonly notifier: DeviceAccessNotifier,
    private readonly refreshCrl: () => Promise<unknown>,
    clock: Clock,
  ) {
    this.#cursor = clock.now().toISOString();
  }

  /** One poll; returns how many new changes it applied. */
  async poll(): Promise<number> {
    const changes = await this.devices.statusChangesSince(this.#cursor, BATCH);
    let applied = 0;
    let revoked = false;
    for (const change of changes) {
      const key = `${change.id}:${change.status}:${change.statusChangedAt}`;
      if (change.statusChangedAt === this.#cursor && this.#seenAtCursor.has(key)) continue;
      if (change.statusChangedAt > this.#cursor) {
        this.#cursor = change.statusChangedAt;
        this.#seenAtCursor.clear();
      }
      this.#seenAtCursor.add(key);
      applied += 1;
      this.authenticator.invalidate(change.id);
      if (change.status === 'revoked' || change.status === 'quarantined' || change.status === 'decommissioned') {
        this.notifier.notify(change.id, change.status, change.statusChangedAt);
      }
      if (change.status === 'revoked' || change.status === 'decommissioned') revoked = true;
    }
    if (revoked) await this.refreshCrl();
    return applied;
  }
}
