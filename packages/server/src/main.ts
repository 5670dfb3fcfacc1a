/**
 * The composition root: the only place that builds adapters and wires modules together. The
 * wiring lives in `composition/`, one file per module; this file is the surface the CLI, the
 * tests and the benches import.
 *
 *   composition/platform.ts   openPlatform: keys, database, then every module (the order below)
 *   composition/server.ts     startServer: HTTPS and MQTT listeners, routes, scheduled jobs
 *   composition/<module>.ts   one module's wiring (identity, devices, patients, clinical, ...)
 *
 * MUST: the key store is opened (and the master key checked) before anything else is opened
 *       for writing, so a wrong master key leaves the data directory untouched.
 * MUST: every service gets its ports from here; there are no module-level singletons.
 */
export { initialize, isInitialized, masterKeyFromEnv, openPlatform, type Platform, type PlatformOptions } from './composition/platform.js';
export { startServer, type RunningServer } from './composition/server.js';
export type { DevicesModule } from './composition/devices.js';
export type { PatientsWiring } from './composition/patients.js';
export type { ClinicalWiring } from './composition/clinical.js';
export type { SecurityWiring } from './composition/security-monitoring.js';
export { usageObserver } from './composition/delivery-usage.js';
export { httpsCredentials } from './composition/identity.js';
export { cliContext, defaultConsoleDir, systemRequestContext, takeDataDirLock } from './composition/context.js';
export { createTelemetry, type DevicePorts, type TelemetryServices } from './composition/telemetry.js';
export { fhirHttp, fhirReadScope, vitalsServiceWithAudit } from './composition/fhir.js';
