/**
 * Runs every store contract against every adapter: SQLite always, PostgreSQL when
 * VIGIL_TEST_DATABASE_URL is set.
 */
import { describe } from 'node:test';
import { testAdapters } from './adapters.js';
import { auditStoreContract } from './audit-store.contract.js';
import { deviceStoreContract } from './device-store.contract.js';
import { setupCredentialStoreContract } from './setup-credential-store.contract.js';
import { patientStoresContract } from './patient-stores.contract.js';
import { identityStoreContract } from './identity-store.contract.js';
import { telemetryStoreContract } from './telemetry-store.contract.js';
import { clinicalAlertStoreContract, clinicalStoreContract } from './clinical-store.contract.js';
import { fhirReadingStoreContract } from './fhir-reading-store.contract.js';
import { deliveryUsageStoreContract } from './delivery-usage-store.contract.js';
import { securityAlertStoreContract } from './security-alert-store.contract.js';
import { complianceStoresContract } from './compliance-stores.contract.js';
import { updatesStoresContract } from './updates-stores.contract.js';
import { incidentStoreContract } from './incident-store.contract.js';
import { dashboardStoreContract } from './dashboard-store.contract.js';

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/AuditStore`, () => auditStoreContract(adapter.open));
  describe(`${adapter.name}/SetupCredentialStore`, () => setupCredentialStoreContract(adapter.open));
  describe(`${adapter.name}/PatientStores`, () => patientStoresContract(adapter.open));
  describe(`${adapter.name}/DeviceStore`, () => deviceStoreContract(adapter.open));
  describe(`${adapter.name}/IdentityStore`, () => identityStoreContract(adapter.open));
  describe(`${adapter.name}/TelemetryStore`, () => telemetryStoreContract(adapter.open));
  describe(`${adapter.name}/ClinicalStores`, () => clinicalStoreContract(adapter.open));
  describe(`${adapter.name}/ClinicalAlertStores`, () => clinicalAlertStoreContract(adapter.open));
  describe(`${adapter.name}/FhirReadingStore`, () => fhirReadingStoreContract(adapter.open));
  describe(`${adapter.name}/DeliveryStore+UsageStore`, () => deliveryUsageStoreContract(adapter.open));
  describe(`${adapter.name}/SecurityAlertStore`, () => securityAlertStoreContract(adapter.open));
  describe(`${adapter.name}/ComplianceStores`, () => complianceStoresContract(adapter.open));
  describe(`${adapter.name}/UpdatesStores`, () => updatesStoresContract(adapter.open));
  describe(`${adapter.name}/IncidentStore+TimelineSource+NotificationStore`, () => incidentStoreContract(adapter.open));
  describe(`${adapter.name}/DashboardStore`, () => dashboardStoreContract(adapter.open));
  if (adapter.name === 'sqlite') describe('sqlite/TelemetryStore (kysely path)', () => telemetryStoreContract(adapter.open, false));
}
