/**
 * The patients model: types, the training course codes, and the PHI rule as one pure function.
 * No I/O.
 *
 * The PHI rule (HIPAA §164.308(a)(4) information access management, §164.308(a)(5) security
 * awareness and training, §164.312(a)(2)(ii) emergency access procedure):
 *
 *   A person may read or write a patient's PHI when
 *     (their HIPAA training is current AND they are on the patient's care team)
 *     OR they hold an active break-glass grant for that patient.
 *
 * MUST: `decidePhiAccess` is the only place the rule is written; services call it for every PHI
 *       read and write, and audit its answer (allowed or denied).
 * MUST: roles do not bypass the rule. An org-admin manages care teams and registers patients,
 *       but opens a record only under the same rule as everyone else.
 * MUST: only a `user` principal (a person) can satisfy the rule; services, devices, the CLI and
 *       the system are refused PHI through this path.
 * MUST: time comes from the caller (the Clock); a training record or grant is current when
 *       `start <= now < expiresAt` (the end instant is already expired).
 */

/** The demographic fields of a patient record. Every one of them is PHI and sealed at rest. */
export const PHI_FIELDS = ['mrn', 'givenName', 'familyName', 'birthDate', 'sex'] as const;
export type PhiField = (typeof PHI_FIELDS)[number];

/** The fields a patient list shows (displayName is built from the names). */
export const SUMMARY_FIELDS: readonly PhiField[] = ['mrn', 'givenName', 'familyName'];

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export type Sex = (typeof SEXES)[number];

export interface Demographics {
  readonly mrn: string;
  readonly givenName: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly sex: Sex;
}

export const CARE_TEAM_ROLES = ['primary', 'member'] as const;
export type CareTeamRole = (typeof CARE_TEAM_ROLES)[number];

export interface CareTeamMember {
  readonly userId: string;
  readonly role: CareTeamRole;
}

/** How a PHI access was allowed. 'registration' is the creator of a new record; 'directory'
 *  the organization-wide patient list of those who manage care teams. */
export type PhiBasis = 'care-team' | 'break-glass' | 'registration' | 'directory';

export interface Patient extends Demographics {
  readonly id: string;
  readonly orgId: string;
  readonly careTeam: readonly CareTeamMember[];
}

/**
 * Training course codes. Every `hipaa-*` code is HIPAA workforce training (§164.308(a)(5)) and
 * any one of them, while current, satisfies the PHI rule; the other codes are recorded but do not.
 */
export const TRAINING_COURSES = {
  'hipaa-privacy-security': 'HIPAA Privacy and Security Rule, full course',
  'hipaa-privacy': 'HIPAA Privacy Rule',
  'hipaa-security': 'HIPAA Security Rule',
  'hipaa-refresher': 'HIPAA annual refresher',
  'security-awareness': 'Security awareness (phishing, passwords, devices)',
  'device-operation': 'Connected device operation',
} as const;
export type TrainingCourse = keyof typeof TRAINING_COURSES;

export function isTrainingCourse(value: string): value is TrainingCourse {
  return Object.hasOwn(TRAINING_COURSES, value);
}

export function isHipaaCourse(course: string): boolean {
  return isTrainingCourse(course) && course.startsWith('hipaa-');
}

/** Longest validity a training attestation may claim (HIPAA asks for periodic training). */
export const MAX_TRAINING_VALIDITY_DAYS = 3 * 366;

export interface TrainingRecord {
  readonly id: string;
  readonly orgId: string;
  readonly userId: string;
  readonly course: TrainingCourse;
  readonly completedAt: string;
  readonly expiresAt: string;
  readonly recordedAt: string;
  readonly recordedBy: string;
}

export const BREAK_GLASS_REASON_MIN = 10;
export const BREAK_GLASS_REASON_MAX = 500;
export const DEFAULT_BREAK_GLASS_MINUTES = 60;

export type ReviewOutcome = 'justified' | 'unjustified';

export interface BreakGlassGrant {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly userId: string;
  readonly reason: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly review: {
    readonly outcome: ReviewOutcome;
    readonly note: string;
    readonly reviewedBy: string;
    readonly reviewedAt: string;
  } | null;
}

/** What the PHI rule needs to know; gathered by the service, judged here. */
export interface PhiAccessInput {
  readonly now: Date;
  readonly userId: string;
  readonly training: readonly Pick<TrainingRecord, 'course' | 'completedAt' | 'expiresAt'>[];
  readonly careTeam: readonly CareTeamMember[];
  /** The user's grants for this patient (any state); expired ones are ignored here. */
  readonly grants: readonly Pick<BreakGlassGrant, 'id' | 'userId' | 'grantedAt' | 'expiresAt'>[];
}

export type PhiDecision =
  | { readonly allow: true; readonly basis: 'care-team' }
  | { readonly allow: true; readonly basis: 'break-glass'; readonly grantId: string }
  | { readonly allow: false; readonly reason: 'training-required' | 'care-relationship-required' };

/** True when the instant `now` lies in [start, end). */
function within(now: Date, start: string, end: string): boolean {
  const t = now.getTime();
  return Date.parse(start) <= t && t < Date.parse(end);
}

export function hasCurrentHipaaTraining(training: PhiAccessInput['training'], now: Date): boolean {
  return training.some((r) => isHipaaCourse(r.course) && within(now, r.completedAt, r.expiresAt));
}

/** The active grant of this user, the one that lasts longest, or undefined. */
export function activeGrant<G extends Pick<BreakGlassGrant, 'userId' | 'grantedAt' | 'expiresAt'>>(
  grants: readonly G[],
  userId: string,
  now: Date,
): G | undefined {
  return grants
    .filter((g) => g.userId === userId && within(now, g.grantedAt, g.expiresAt))
    .sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt))[0];
}

/**
 * THE PHI rule. A care relationship with current training comes first (the ordinary basis); an
 * active break-glass grant opens the record without either. A denial names what is missing:
 * training first (without it, care-team membership would not help).
 */
export function decidePhiAccess(input: PhiAccessInput): PhiDecision {
  const trained = hasCurrentHipaaTraining(input.training, input.now);
  const inCareTeam = input.careTeam.some((m) => m.userId === input.userId);
  if (trained && inCareTeam) return { allow: true, basis: 'care-team' };
  const grant = activeGrant(input.grants, input.userId, input.now);
  if (grant !== undefined) return { allow: true, basis: 'break-glass', grantId: grant.id };
  return { allow: false, reason: trained ? 'care-relationship-required' : 'training-required' };
}

/** The display name of a patient list: "Family, Given". */
export function displayName(d: Pick<Demographics, 'givenName' | 'familyName'>): string {
  return `${d.familyName}, ${d.givenName}`;
}

/** MRNs compare without case and surrounding space (NFKC), which the blind index keys on. */
export function normalizeMrn(mrn: string): string {
  return mrn.normalize('NFKC').trim().toUpperCase();
}

export const MRN_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date, not after `today` (YYYY-MM-DD, UTC), not before 1880. */
export function isValidBirthDate(value: string, now: Date): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return false;
  return y >= 1880 && value <= now.toISOString().slice(0, 10);
}

/** Names: 1..100 code points after trimming, no control characters. */
export function isValidName(value: string): boolean {
  const trimmed = value.trim();
  const length = [...trimmed].length;
  // eslint-disable-next-line no-control-regex
  return length >= 1 && length <= 100 && !/[\u0000-\u001f\u007f]/.test(trimmed);
}

/** A reason: 10..500 code points after trimming. */
export function isValidBreakGlassReason(value: string): boolean {
  const length = [...value.trim()].length;
  return length >= BREAK_GLASS_REASON_MIN && length <= BREAK_GLASS_REASON_MAX;
}
