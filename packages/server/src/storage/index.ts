/**
 * storage: the SQL adapters (SQLite by default, PostgreSQL when a URL is set), migrations,
 * and the kysely implementations of every module's store port.
 * MUST: only main.ts and the CLI entry import this folder. Stores query by tenant once
 *       tenants exist; there is no unscoped lookup of tenant data.
 */
export type { SqlDialect } from './dialect.js';
export type { SqlDatabase, Executor, DatabaseTransport } from './sql-database.js';
export type { Database } from './tables.js';
export { openDatabase, SQLITE_FILE_NAME, type OpenDatabaseOptions } from './open.js';
export { migrateToLatest, LATEST_MIGRATION } from './migrations/index.js';
export { SqlUnitOfWork } from './unit-of-work.js';
export { BatchingUnitOfWork, type BatchingOptions } from './batching-unit-of-work.js';
export { auditStore } from './stores/audit-store.js';
export { setupCredentialStore, systemMetaStore } from './stores/setup-credential-store.js';
export { patientStore, careTeamStore, trainingStore, breakGlassStore } from './stores/patient-stores.js';
export { securityEventStore, securityEventRetentionStore, StoreSecurityEventSink } from './stores/security-event-store.js';
export { securityAlertStore } from './stores/security-alert-store.js';
export { deviceStore, enrollmentTokenStore, deviceCertificateStore } from './stores/device-store.js';
export { identityStore } from './stores/identity-store.js';
export { telemetryStore, telemetryRetentionStore, deviceCommandStore, openReadingValues } from './stores/telemetry-store.js';
export { bindingStore, vitalsStore } from './stores/clinical-store.js';
export { alertRuleStore, clinicalAlertStore, alertValueContext } from './stores/clinical-alert-store.js';
export { fhirReadingStore } from './stores/fhir-reading-store.js';
// --- alert delivery and usage tracking (issue 6) ---
export { deliveryStore } from './stores/delivery-store.js';
export { usageStore } from './stores/usage-store.js';
export { dashboardStore } from './stores/dashboard-store.js';
// --- storage faults (issue 17) ---
export { classifyStorageFault, type ClassifiedFault } from './storage-fault.js';
export { StorageHealth, type FaultReporter } from './storage-health.js';
// --- backups (issue 12) ---
export { backupRunStore } from './stores/backup-run-store.js';
export { backupEvidence, firmwareEvidence } from './stores/module-evidence-store.js';
export { inspectSqliteCopy, restoreSqliteCopy, sqliteSnapshotSource } from './sqlite/backup-snapshot.js';
export { inspectPostgresCopy, postgresSnapshotSource, restorePostgresCopy } from './postgres/backup-snapshot.js';
export { createScratchDatabase, type ScratchDatabase } from './postgres/scratch-database.js';
// --- compliance: audits, findings, change requests, risks (issue 14) ---
export { findingStore } from './stores/compliance-store.js';
export { complianceEvidenceStore, type DatabaseEvidence } from './stores/compliance-evidence-store.js';
export { changeRequestStore } from './stores/change-request-store.js';
export { riskStore, failingCheckIds } from './stores/risk-store.js';
export { vulnerabilityStore } from './stores/vulnerability-store.js';
export { sealedDataKeyStore } from './stores/sealed-data-key-store.js';
export { sealPlaintextVitals, type SealPlaintextReport } from './seal-plaintext-vitals.js';
export { rewrapSealedColumn, countNotUnder, findSealedUnderKek, type SealedColumn } from './sealed-columns.js';
// --- firmware updates (issue 13) ---
export { attestationStore, firmwareStore, tufMetadataStore } from './stores/firmware-store.js';
export { rolloutStore } from './stores/rollout-store.js';
// --- incident response (issue 15) ---
export { incidentStore, incidentTimelineSource, incidentLocator } from './stores/incident-store.js';
export { notificationStore } from './stores/notification-store.js';
export { disclosureStore } from './stores/disclosure-store.js';
export { deviceEventStore } from './stores/device-event-store.js';
