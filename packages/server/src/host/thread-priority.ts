/**
 * Lowering the CPU priority of a worker thread that does bulk background work (a backup's
 * snapshot copy and encryption), so the server's main thread (ingest, API) keeps its share of
 * the CPU. On Linux the nice value is per thread (setpriority(2) with a thread id); a process
 * the thread spawns afterwards (the `age` tool) inherits it. Elsewhere it does nothing.
 *
 * MUST: never lowers the main thread (a nice value cannot be raised back without privileges).
 * MUST: best effort: a failure leaves the priority as it was and returns false.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * The nice value background backup work runs at: weight 110 against the main thread's 1024 under
 * Linux's scheduler, so a busy server keeps about 90% of its CPU share while a backup runs, and a
 * backup still advances (at 19, weight 15, a saturated server would starve it for hours).
 */
export const BACKGROUND_NICE = 10;

/** Lowers the calling worker thread to `nice` (default BACKGROUND_NICE); true when it took effect. */
export function lowerWorkerThreadPriority(nice: number = BACKGROUND_NICE): boolean {
  if (isMainThread || process.platform !== 'linux') return false;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>" of the calling thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
