/**
 * The FHIR R4 (4.0.1) resource shapes Vigil produces: only the elements it fills in.
 * Reference: https://hl7.org/fhir/R4/ (Patient, Device, Observation, Bundle, OperationOutcome,
 * CapabilityStatement). No I/O.
 *
 * MUST: a resource is built by the mapping functions of this module from named fields only, so
 *       a field added to a record upstream cannot reach a client by accident (the allowlist).
 */

export const FHIR_VERSION = '4.0.1';
export const FHIR_MEDIA_TYPE = 'application/fhir+json';

/** FHIR `id` (R4 §2.24.0.1 datatypes, id): 1..64 of [A-Za-z0-9-.]. */
export const FHIR_ID_RE = /^[A-Za-z0-9.-]{1,64}$/;

export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
/** The identifier system of Vigil's medical record numbers (one namespace per organization). */
export const MRN_SYSTEM = 'urn:vigil:mrn';
export const DEVICE_SERIAL_SYSTEM = 'urn:vigil:device-serial';

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface CodeableConcept {
  readonly coding: readonly Coding[];
  readonly text?: string;
}

export interface Quantity {
  readonly value: number;
  readonly unit: string;
  readonly system: string;
  readonly code: string;
}

export interface Reference {
  readonly reference: string;
  readonly display?: string;
}

export interface Meta {
  readonly profile?: readonly string[];
  readonly lastUpdated?: string;
}

export interface PatientResource {
  readonly resourceType: 'Patient';
  readonly id: string;
  readonly meta?: Meta;
  readonly identifier: readonly { readonly use?: 'usual' | 'official'; readonly system: string; readonly value: string }[];
  readonly active: boolean;
  readonly name: readonly { readonly use: 'official'; readonly family: string; readonly given: readonly string[] }[];
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  readonly birthDate: string;
}

export interface DeviceResource {
  readonly resourceType: 'Device';
  readonly id: string;
  readonly identifier: readonly { readonly system: string; readonly value: string }[];
  readonly udiCarrier?: readonly { readonly deviceIdentifier: string }[];
  readonly status: 'active' | 'inactive' | 'entered-in-error' | 'unknown';
  readonly serialNumber: string;
  readonly modelNumber: string;
  readonly version?: readonly { readonly value: string }[];
  readonly patient?: Reference;
}

export interface ObservationComponent {
  readonly code: CodeableConcept;
  readonly valueQuantity: Quantity;
}

export interface ObservationResource {
  readonly resourceType: 'Observation';
  readonly id: string;
  readonly meta: Meta;
  readonly status: 'final';
  readonly category: readonly CodeableConcept[];
  readonly code: CodeableConcept;
  readonly subject: Reference;
  readonly effectiveDateTime: string;
  readonly issued: string;
  readonly device: Reference;
  readonly valueQuantity?: Quantity;
  readonly component?: readonly ObservationComponent[];
}

export type Resource = PatientResource | DeviceResource | ObservationResource;

export interface BundleLink {
  readonly relation: 'self' | 'next' | 'previous';
  readonly url: string;
}

export interface SearchBundle<R extends Resource = Resource> {
  readonly resourceType: 'Bundle';
  readonly type: 'searchset';
  readonly timestamp: string;
  readonly link: readonly BundleLink[];
  readonly entry: readonly { readonly fullUrl: string; readonly resource: R; readonly search: { readonly mode: 'match' } }[];
}

/** OperationOutcome.issue.code (R4 value set issue-type), the ones Vigil answers with. */
export type IssueType = 'invalid' | 'login' | 'forbidden' | 'not-found' | 'not-supported' | 'throttled' | 'too-costly' | 'exception' | 'processing';

export interface OperationOutcomeResource {
  readonly resourceType: 'OperationOutcome';
  readonly issue: readonly { readonly severity: 'error' | 'fatal'; readonly code: IssueType; readonly diagnostics: string }[];
}
