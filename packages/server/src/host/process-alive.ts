/**
 * Whether a process id names a live process on this host (signal 0: nothing is sent). Used to
 * tell a stale lock or an abandoned scratch folder from one a running process still holds.
 * EPERM means it exists but belongs to another user: alive.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
