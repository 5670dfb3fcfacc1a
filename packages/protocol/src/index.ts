/**
 * @vigil/protocol: wire formats and the pure functions that check them.
 * MUST: no runtime dependencies and no I/O; safe to bundle into the browser console.
 */
export * from './audit-format.js';
export * from './topics.js';
export * from './telemetry.js';
export * from './semver.js';
export * from './firmware-attestation.js';
export * from './device-event.js';
