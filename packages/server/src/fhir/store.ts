/**
 * The storage port of the FHIR read side: a patient's readings, paged by message position.
 * Implemented over kysely in storage/stores/fhir-reading-store.ts (SQLite and PostgreSQL).
 *
 * MUST: every query names the organization and the patient.
 */
import type { AuditWriter } from '../audit/index.js';
import type { DeviceStore } from '../devices/index.js';
import type { BreakGlassStore, CareTeamStore, PatientStore, TrainingStore } from '../patients/index.js';
import type { MessageKey } from './paging-cursor.js';
import type { VitalReading } from './vital-signs.js';

export interface ReadingPageQuery {
  /** Stored metrics to read; undefined: all. */
  readonly metrics?: readonly string[];
  readonly from?: string;
  readonly to?: string;
  /** Order of (measured_at, device_id, seq, idx). */
  readonly order: 'asc' | 'desc';
  /** Start at this message (inclusive) in the order's direction. */
  readonly start?: MessageKey;
  readonly limit: number;
}

export interface PatientReadingStore {
  page(orgId: string, patientId: string, query: ReadingPageQuery): Promise<VitalReading[]>;
  /** The readings of one message of the patient (for Observation read). */
  message(orgId: string, patientId: string, deviceId: string, seq: number): Promise<VitalReading[]>;
  /** Distinct devices that sent readings attributed to the patient. */
  devicesOf(orgId: string, patientId: string, limit: number): Promise<string[]>;
  /** The patient a device's message was attributed to (Observation read finds its patient). */
  patientOfMessage(orgId: string, deviceId: string, seq: number): Promise<string | undefined>;
}

/** One transaction of the FHIR read side: the PHI-rule inputs, the readings and the audit. */
export interface FhirReadScope {
  readonly readings: PatientReadingStore;
  readonly patients: Pick<PatientStore, 'get'>;
  readonly careTeams: Pick<CareTeamStore, 'members'>;
  readonly training: Pick<TrainingStore, 'listForUser'>;
  readonly breakGlass: Pick<BreakGlassStore, 'activeFor'>;
  readonly devices: Pick<DeviceStore, 'find'>;
  readonly audit: AuditWriter;
}
