/** A StorageStatus for tests: healthy or not by hand; `set(true)` wakes every `whenHealthy` waiter. */
import type { StorageFailure, StorageStatus } from '../../kernel/index.js';

export class FakeStorage implements StorageStatus {
  #waiters: Array<() => void> = [];
  constructor(public healthy = true) {}
  failure(): StorageFailure | null {
    return this.healthy ? null : { kind: 'disk-full', code: 'SQLITE_FULL', since: 0 };
  }
  whenHealthy(timeoutMs: number): Promise<boolean> {
    if (this.healthy) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.healthy), timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
  set(healthy: boolean): void {
    this.healthy = healthy;
    if (healthy) for (const wake of this.#waiters.splice(0)) wake();
  }
}
