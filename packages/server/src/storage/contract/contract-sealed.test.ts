/**
 * The contracts of the stores that hold vitals, run sealed as the platform writes them (issue 11,
 * ADR 0008), against every adapter: SQLite always, PostgreSQL when VIGIL_TEST_DATABASE_URL is set.
 * A file of its own: with contract.test.ts in one file, PostgreSQL runs past the per-file timeout.
 */
import { describe } from 'node:test';
import { testAdapters } from './adapters.js';
import { clinicalAlertStoreContract, clinicalStoreContract } from './clinical-store.contract.js';
import { fhirReadingStoreContract } from './fhir-reading-store.contract.js';
import { telemetryStoreContract } from './telemetry-store.contract.js';
import { valueBatchesContract } from './value-batches.contract.js';
import { vitalsSealingContract } from './vitals-sealing.contract.js';

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/VitalsSealing`, () => vitalsSealingContract(adapter.open));
  describe(`${adapter.name}/ValueBatches`, () => valueBatchesContract(adapter.open));
  describe(`${adapter.name}/TelemetryStore (sealed)`, () => telemetryStoreContract(adapter.open, true, true));
  if (adapter.name === 'sqlite') describe('sqlite/TelemetryStore (kysely path, sealed)', () => telemetryStoreContract(adapter.open, false, true));
  describe(`${adapter.name}/ClinicalStores (sealed)`, () => clinicalStoreContract(adapter.open, true));
  describe(`${adapter.name}/ClinicalAlertStores (sealed)`, () => clinicalAlertStoreContract(adapter.open, true));
  describe(`${adapter.name}/FhirReadingStore (sealed)`, () => fhirReadingStoreContract(adapter.open, true));
}
