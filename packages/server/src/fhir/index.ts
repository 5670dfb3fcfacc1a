/**
 * fhir: Vigil's FHIR R4 read API as pure mappings (Patient, Device, Observation with the
 * vital-signs profile, Bundle, OperationOutcome, CapabilityStatement), the search-parameter
 * parser, and the ports it reads through (ObservationSource, PatientDeviceSource) with their
 * first implementation over the telemetry readings.
 *
 * MUST: every resource is built field by field from an allowlist (never a record spread).
 * MUST: PHI is read only through the PHI rule of patients/ and every read is audited.
 * MUST: another tenant, an unknown patient or no care relationship is 404 (FHIR_RESOURCE_NOT_FOUND).
 */
export * from './resources.js';
export { VITAL_SIGNS, BP_PANEL, SYSTOLIC, DIASTOLIC, OBSERVATION_CODES, metricsForCodes, observationsOfMessage, parseObservationId, observationCode, type VitalReading, type VitalSignCode, type ObservationKey } from './vital-signs.js';
export { DEFAULT_COUNT, MAX_COUNT, parseCount, parseSort, parseCodes, parseDateRange, parsePatientRef, onlyParams, single, values, dateInterval, type RawQuery, type SortOrder, type TimeRange } from './search-params.js';
export { encodeCursor, decodeCursor, type PageCursor, type MessageKey } from './paging-cursor.js';
export { toPatientResource, type PatientFields } from './patient-resource.js';
export { toDeviceResource, type DeviceFields } from './device-resource.js';
export { capabilityStatement, type CapabilityOptions } from './capability-statement.js';
export { searchBundle, operationOutcome, issueType } from './bundle.js';
export type { ObservationSource, PatientDeviceSource, ObservationQuery, ObservationPage } from './observation-source.js';
export { ReadingObservationSource, groupByMessage } from './reading-observation-source.js';
export type { PatientReadingStore, ReadingPageQuery, FhirReadScope } from './store.js';
