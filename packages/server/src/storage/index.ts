/**
 * storage: the SQL adapters (SQLite by default, PostgreSQL when a URL is set), migrations,
 * and the kysely implementations of every module's store port.
 * MUST: only main.ts and the CLI entry import this folder. Stores query by tenant once
 *       tenants exist; there is no unscoped lookup of tenant data.
 */
export type { SqlDialect } from './dialect.js';
export type { SqlDatabase, Executor } from './sql-database.js';
export type { Database } from './tables.js';
export { openDatabase, SQLITE_FILE_NAME, type OpenDatabaseOptions } from './open.js';
export { migrateToLatest, LATEST_MIGRATION } from './migrations/index.js';
export { SqlUnitOfWork } from './unit-of-work.js';
export { BatchingUnitOfWork, type BatchingOptions } from './batching-unit-of-work.js';
export { auditStore } from './stores/audit-store.js';
export { setupCredentialStore, systemMetaStore } from './stores/setup-credential-store.js';
export { patientStore, careTeamStore, trainingStore, breakGlassStore } from './stores/patient-stores.js';
export { securityEventStore, StoreSecurityEventSink } from './stores/security-event-store.js';
export { securityAlertStore } from './stores/security-alert-store.js';
export { deviceStore, enrollmentTokenStore, deviceCertificateStore } from './stores/device-store.js';
export { identityStore } from './stores/identity-store.js';
export { telemetryStore, telemetryRetentionStore, deviceCommandStore } from './stores/telemetry-store.js';
export { bindingStore, vitalsStore } from './stores/clinical-store.js';
export { alertRuleStore, clinicalAlertStore } from './stores/clinical-alert-store.js';
export { fhirReadingStore } from './stores/fhir-reading-store.js';
// --- alert delivery and usage tracking (issue 6) ---
export { deliveryStore } from './stores/delivery-store.js';
export { usageStore } from './stores/usage-store.js';
// --- incident response (issue 15) ---
export { incidentStore, incidentTimelineSource, incidentLocator } from './stores/incident-store.js';
export { notificationStore } from './stores/notification-store.js';
