/**
 * An opened patient record as a FHIR R4 Patient (https://hl7.org/fhir/R4/patient.html). Pure.
 *
 * MUST: called only with a record the PHI rule opened (PatientService.get); exposes the
 *       demographic fields and the MRN, nothing else (no care team, no access basis).
 */
import { MRN_SYSTEM, type PatientResource } from './resources.js';

export interface PatientFields {
  readonly id: string;
  readonly mrn: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly sex: 'female' | 'male' | 'other' | 'unknown';
}

export function toPatientResource(p: PatientFields): PatientResource {
  return {
    resourceType: 'Patient',
    id: p.id,
    identifier: [{ use: 'usual', system: MRN_SYSTEM, value: p.mrn }],
    active: true,
    name: [{ use: 'official', family: p.familyName, given: [p.givenName] }],
    gender: p.sex,
    birthDate: p.birthDate,
  };
}
