/**
 * StorageStatus: the port through which transports and modules ask "can Vigil commit right now?"
 * (issue 17). storage/ implements it (StorageHealth); the MQTT broker, the readiness probe and the
 * detectors read it. No I/O here.
 *
 * MUST: `healthy` turns false at the first commit that failed for a storage fault (disk full,
 *       read-only file system, I/O error, database unreachable) and true again only after a
 *       transaction committed.
 */
import { isAppError } from './app-error.js';

/** Why storage cannot commit. `unreachable`: the database server or its connection is gone. */
export type StorageFaultKind = 'disk-full' | 'read-only' | 'io-error' | 'unreachable';

export const STORAGE_FAULT_KINDS: readonly StorageFaultKind[] = ['disk-full', 'read-only', 'io-error', 'unreachable'];

export interface StorageFailure {
  readonly kind: StorageFaultKind;
  /** The driver's code (SQLITE_FULL, 53100, ECONNREFUSED...), or the message when there is none. */
  readonly code: string;
  /** Epoch ms of the first failure of this outage. */
  readonly since: number;
}

export interface StorageStatus {
  readonly healthy: boolean;
  /** The current outage, or null when healthy. */
  failure(): StorageFailure | null;
  /** Resolves true when storage is (or becomes) healthy, false after `timeoutMs`. */
  whenHealthy(timeoutMs: number): Promise<boolean>;
}

/** For tests and tools that have no database: always healthy. */
export const ALWAYS_HEALTHY: StorageStatus = { healthy: true, failure: () => null, whenHealthy: () => Promise.resolve(true) };

/** True when `error`, or a cause of it (a few levels deep), is the storage layer's STORAGE_UNAVAILABLE. */
export function isStorageUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth += 1) {
    if (isAppError(current) && current.code === 'STORAGE_UNAVAILABLE') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
