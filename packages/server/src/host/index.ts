/**
 * host/: small helpers that talk to the operating system for the server's worker threads (they do
 * I/O, so they do not belong in kernel/, which stays pure). Imports no other module; any module
 * or adapter may import this index.
 */
export { BACKGROUND_NICE, lowerWorkerThreadPriority } from './thread-priority.js';
