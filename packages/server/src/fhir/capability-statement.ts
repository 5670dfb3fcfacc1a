/**
 * The CapabilityStatement of Vigil's FHIR R4 read API (https://hl7.org/fhir/R4/capabilitystatement.html):
 * exactly what the routes support, no more. Pure.
 */
import { FHIR_MEDIA_TYPE, FHIR_VERSION } from './resources.js';

export interface CapabilityOptions {
  /** The absolute base URL, e.g. https://vigil.example:8443/fhir/R4 */
  readonly baseUrl: string;
  readonly softwareVersion: string;
  /** When this statement was produced (CapabilityStatement.date). */
  readonly date: string;
}

const COUNT = { name: '_count', type: 'number', documentation: 'Page size, 1..1000 (default 100).' } as const;

export function capabilityStatement(o: CapabilityOptions) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: o.date,
    publisher: 'Vigil',
    kind: 'instance',
    software: { name: 'Vigil', version: o.softwareVersion },
    implementation: { description: 'Vigil FHIR R4 read API', url: o.baseUrl },
    fhirVersion: FHIR_VERSION,
    format: [FHIR_MEDIA_TYPE, 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Read-only. Bearer token or session cookie; the PHI rule applies (training and care team, or break-glass). Errors are OperationOutcome.',
        security: {
          cors: false,
          description: 'Authorization: Bearer <token> (user session or service token), or the console session cookie. Permission fhir:read.',
        },
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: '_id', type: 'token', documentation: 'Logical id.' },
              { name: 'identifier', type: 'token', documentation: 'Medical record number (urn:vigil:mrn|value, or value).' },
              COUNT,
            ],
          },
          {
            type: 'Device',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [{ name: 'patient', type: 'reference', documentation: 'Devices that measured this patient (required).' }, COUNT],
          },
          {
            type: 'Observation',
            supportedProfile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'],
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: 'patient', type: 'reference', documentation: 'Required.' },
              { name: 'code', type: 'token', documentation: 'LOINC: 8867-4, 59408-5, 8310-5, 9279-1, 85354-9 (BP panel), 8480-6, 8462-4 (unpaired BP).' },
              { name: 'date', type: 'date', documentation: 'Prefixes ge, gt, le, lt, eq; repeat for a range.' },
              { name: '_sort', type: 'string', documentation: 'date or -date.' },
              COUNT,
            ],
          },
        ],
      },
    ],
  };
}
