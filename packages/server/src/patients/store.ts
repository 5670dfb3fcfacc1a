/**
 * Ports of the patients module. Implemented over kysely in storage/stores/.
 *
 * MUST: every method of tenant data takes the organization id and filters by it; there is no
 *       lookup by id alone (ARCHITECTURE §2.5).
 * MUST: PHI crosses these ports only sealed (strings made by the Sealer) or as a blind index
 *       (keyed hash); a store never sees a plaintext name, date or MRN.
 */
import type { AuditWriter } from '../audit/index.js';
import type { SecurityEvent } from '../kernel/index.js';
import type { CareTeamMember, PhiField, ReviewOutcome, TrainingRecord } from './model.js';

/** A patient row as stored: each PHI field sealed under its own context. */
export interface SealedPatientRow {
  readonly id: string;
  readonly orgId: string;
  /** Keyed hash of (orgId, normalized MRN): unique per organization. */
  readonly mrnIndex: string;
  readonly sealed: Readonly<Record<PhiField, string>>;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

export interface PatientStore {
  /** Throws PATIENTS_MRN_TAKEN when (orgId, mrnIndex) exists. */
  insert(row: SealedPatientRow): Promise<void>;
  get(orgId: string, id: string): Promise<SealedPatientRow | undefined>;
  findByMrnIndex(orgId: string, mrnIndex: string): Promise<SealedPatientRow | undefined>;
  /** Patients of the organization, oldest first; `ids` narrows to those ids. */
  list(orgId: string, options?: { readonly ids?: readonly string[]; readonly limit?: number }): Promise<SealedPatientRow[]>;
  /** Replaces the sealed fields (e.g. after a KEK rotation re-wrapped them). */
  updateSealed(orgId: string, id: string, sealed: Readonly<Record<PhiField, string>>, updatedAt: string): Promise<boolean>;
  /** Every patient of every organization, in id order after `afterId`: for key rotation only. */
  scanAll(afterId: string | null, limit: number): Promise<SealedPatientRow[]>;
}

export interface CareTeamStore {
  members(orgId: string, patientId: string): Promise<CareTeamMember[]>;
  /** Replaces the whole team in one go. */
  replace(orgId: string, patientId: string, members: readonly CareTeamMember[], now: string, by: string): Promise<void>;
  /** Ids of the patients whose care team includes the user. */
  patientsOf(orgId: string, userId: string): Promise<string[]>;
}

export interface TrainingStore {
  insert(record: TrainingRecord): Promise<void>;
  /** The user's records, newest completion first. */
  listForUser(orgId: string, userId: string): Promise<TrainingRecord[]>;
}

export interface BreakGlassGrantRow {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly userId: string;
  /** The stated reason, sealed (free text may name the patient). */
  readonly reasonSealed: string;
  /** Keyed hash of the reason, so an audit event can be matched to it without copying it. */
  readonly reasonHash: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly reviewOutcome: ReviewOutcome | null;
  readonly reviewNoteSealed: string | null;
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
}

export interface BreakGlassStore {
  insert(row: BreakGlassGrantRow): Promise<void>;
  get(orgId: string, id: string): Promise<BreakGlassGrantRow | undefined>;
  /** The user's grants to one patient that have not expired at `now`. */
  activeFor(orgId: string, patientId: string, userId: string, now: string): Promise<BreakGlassGrantRow[]>;
  /** Patient ids with a grant of the user still active at `now`. */
  activePatientsOf(orgId: string, userId: string, now: string): Promise<string[]>;
  /** Newest first. pending: not yet reviewed (expired or not); reviewed: reviewed. */
  list(orgId: string, status: 'pending' | 'reviewed', limit: number): Promise<BreakGlassGrantRow[]>;
  /** Records a review once; false when it was already reviewed. */
  review(orgId: string, id: string, review: { outcome: ReviewOutcome; noteSealed: string; reviewedBy: string; reviewedAt: string }): Promise<boolean>;
  /** Every grant, in id order after `afterId`: for key rotation only. */
  scanAll(afterId: string | null, limit: number): Promise<BreakGlassGrantRow[]>;
  /** Replaces the sealed texts of a grant (key rotation). */
  updateSealed(orgId: string, id: string, reasonSealed: string, reviewNoteSealed: string | null): Promise<boolean>;
}

/** A SecurityEvent as stored: the durable row of the security-event stream. */
export interface StoredSecurityEvent extends SecurityEvent {
  readonly id: string;
  readonly time: string;
}

export interface SecurityEventStore {
  /** Idempotent on the id: a second insert of the same event is ignored. */
  insert(event: StoredSecurityEvent): Promise<void>;
  /** Newest first, of one organization. */
  list(orgId: string, options?: { readonly type?: string; readonly limit?: number }): Promise<StoredSecurityEvent[]>;
}

/**
 * Who the users of an organization are, answered by identity/ (wired in main.ts). Used to
 * check care-team members and training subjects: only active users of the same organization.
 */
export interface UserDirectory {
  isActiveUser(orgId: string, userId: string): Promise<boolean>;
  /** Display names of users of the organization (any status); unknown ids are left out. */
  displayNames(orgId: string, userIds: readonly string[]): Promise<Map<string, string>>;
}

/** The stores a patients unit of work holds, all bound to one transaction. */
export interface PatientScope {
  readonly patients: PatientStore;
  readonly careTeams: CareTeamStore;
  readonly training: TrainingStore;
  readonly breakGlass: BreakGlassStore;
  readonly securityEvents: SecurityEventStore;
  readonly audit: AuditWriter;
}
