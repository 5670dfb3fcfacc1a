/**
 * host/: small helpers that talk to the operating system (thread priorities, process liveness;
 * they do I/O, so they do not belong in kernel/, which stays pure). Imports no other module; any module
 * or adapter may import this index.
 */
export { BACKGROUND_NICE, lowerWorkerThreadPriority } from './thread-priority.js';
export { isProcessAlive } from './process-alive.js';
