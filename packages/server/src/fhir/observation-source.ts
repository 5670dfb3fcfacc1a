/**
 * The ports the FHIR API reads clinical data through. The FHIR routes depend on these
 * interfaces only; main.ts wires an implementation (today ReadingObservationSource over the
 * telemetry readings; a vitals service can replace it).
 *
 * MUST: an implementation applies the PHI rule (patients/ decidePhiAccess) to the patient and
 *       audits every read, allowed or denied; a patient of another organization, or one the
 *       caller has no care relationship with, is FHIR_RESOURCE_NOT_FOUND (404).
 */
import type { RequestContext } from '../kernel/index.js';
import type { SortOrder, TimeRange } from './search-params.js';
import type { DeviceResource, ObservationResource } from './resources.js';

export interface ObservationQuery extends TimeRange {
  readonly patientId: string;
  /** Observation codes (LOINC); undefined: every vital sign. */
  readonly codes?: readonly string[];
  readonly count: number;
  readonly sort: SortOrder;
  /** Opaque cursor from a previous page's link. */
  readonly cursor?: string;
}

export interface ObservationPage {
  readonly observations: readonly ObservationResource[];
  /** Cursors of the neighbouring pages, when there are any. */
  readonly next?: string;
  readonly previous?: string;
}

export interface ObservationSource {
  search(ctx: RequestContext, query: ObservationQuery): Promise<ObservationPage>;
  read(ctx: RequestContext, id: string): Promise<ObservationResource>;
}

/** Devices that measured a patient (FHIR Device?patient=). */
export interface PatientDeviceSource {
  devicesOf(ctx: RequestContext, patientId: string, count: number): Promise<readonly DeviceResource[]>;
}
