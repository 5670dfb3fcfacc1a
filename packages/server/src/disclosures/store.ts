/**
 * The disclosures store port, implemented in storage/stores/disclosure-store.ts (both dialects).
 *
 * MUST: every query filters by organization; the content of a disclosure (recipient, address,
 *       description, purpose statement) reaches the store only sealed.
 * MUST: prune() deletes only rows older than the cutoff it is given (the service passes six
 *       years and a day before now).
 */
import type { AuditWriter } from '../audit/index.js';
import type { CareTeamStore, PatientStore, TrainingStore } from '../patients/index.js';
import type { AccountablePurpose, Suspension } from './model.js';

export interface DisclosureRow {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly disclosedAt: string;
  readonly purpose: AccountablePurpose;
  /** Sealed JSON of the DisclosureContent (Sealer string). */
  readonly contentSealed: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

export interface DisclosureStore {
  insert(row: DisclosureRow): Promise<void>;
  /** Disclosures of one patient with from <= disclosedAt <= to, oldest first, at most `limit`. */
  listForPatient(orgId: string, patientId: string, range: { readonly from: string; readonly to: string }, limit: number): Promise<DisclosureRow[]>;
  insertSuspension(row: Suspension): Promise<void>;
  /** Every suspension of one patient, newest first. */
  suspensionsFor(orgId: string, patientId: string): Promise<Suspension[]>;
  /** Deletes disclosures disclosed, and suspensions ended, before `cutoff`; returns both counts. */
  prune(cutoff: string): Promise<{ readonly disclosures: number; readonly suspensions: number }>;
}

export interface DisclosureScope {
  readonly disclosures: DisclosureStore;
  readonly patients: Pick<PatientStore, 'get'>;
  readonly careTeams: Pick<CareTeamStore, 'members'>;
  readonly training: Pick<TrainingStore, 'listForUser'>;
  readonly audit: AuditWriter;
}
