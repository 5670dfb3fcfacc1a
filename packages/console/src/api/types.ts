/**
 * The shapes of the HTTP API the console uses, as written in the API contract (helper brief,
 * "The HTTP API contract"). They are typed here, not imported from the server: the console
 * MUST NOT bundle server code (a package boundary is a trust boundary).
 */

export const ROLES = ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor', 'service'] as const;
export type Role = (typeof ROLES)[number];

export type SessionState = 'authenticated' | 'mfa-required' | 'mfa-enrollment-required' | 'password-change-required';
export type MfaMethod = 'totp' | 'webauthn';

export interface SessionUser {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly orgId: string;
  readonly roles: readonly Role[];
}

export interface SessionView {
  readonly user: SessionUser;
  readonly state: SessionState;
  readonly mfa: boolean;
  readonly mfaMethods: readonly MfaMethod[];
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly csrfToken: string;
}

export interface AuthResult {
  readonly state: SessionState;
  readonly session: SessionView;
}

export interface TotpSetup {
  readonly secret: string;
  readonly otpauthUrl: string;
  /** An SVG document from our own server, shown through an <img> data: URL, never as markup. */
  readonly qrSvg: string;
}

export interface TotpConfirmation extends AuthResult {
  readonly recoveryCodes: readonly string[];
}

export interface SetupRequest {
  readonly setupCredential: string;
  readonly organization: string;
  readonly username: string;
  readonly displayName: string;
  readonly password: string;
}

export type UserStatus = 'active' | 'disabled' | 'locked';

export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly orgId: string;
  readonly roles: readonly Role[];
  readonly status: UserStatus;
  readonly mfaEnrolled: boolean;
  readonly passwordExpiresAt: string | null;
  readonly lastLoginAt: string | null;
}

export interface InvitedUser {
  readonly user: UserView;
  readonly oneTimePassword: string;
}

export interface TrainingRecord {
  readonly id: string;
  readonly course: string;
  readonly completedAt: string;
  readonly expiresAt: string;
}

export interface PatientSummary {
  readonly id: string;
  readonly mrn: string;
  readonly displayName: string;
  readonly inCareTeam: boolean;
}

export type Sex = 'female' | 'male' | 'other' | 'unknown';
export type CareTeamRole = 'primary' | 'member';

export interface CareTeamMember {
  readonly userId: string;
  readonly role: CareTeamRole;
}

export interface Patient {
  readonly id: string;
  readonly orgId: string;
  readonly mrn: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly sex: Sex;
  readonly careTeam: readonly CareTeamMember[];
  readonly access: { readonly basis: 'care-team' | 'break-glass'; readonly grantId?: string };
}

export interface NewPatient {
  readonly mrn: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly sex: Sex;
}

export interface BreakGlassGrant {
  readonly id: string;
  readonly patientId: string;
  readonly userId: string;
  readonly reason: string;
  readonly expiresAt: string;
}

export type ReviewOutcome = 'justified' | 'unjustified';

/**
 * One entry of the review queue. The contract names the route (`GET /api/v1/break-glass`) but not
 * its answer; this assumes `{grants: [...]}` of grants, with the review once reviewed.
 */
export interface BreakGlassQueueEntry extends BreakGlassGrant {
  readonly createdAt?: string;
  readonly review?: { readonly outcome: ReviewOutcome; readonly note: string; readonly reviewedBy?: string; readonly reviewedAt?: string } | null;
}

export type DeviceStatus = 'pending' | 'active' | 'quarantined' | 'revoked' | 'decommissioned';

export interface DeviceView {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  readonly serial: string;
  readonly udi: string | null;
  readonly firmwareVersion: string | null;
  readonly status: DeviceStatus;
  readonly groups: readonly string[];
  readonly lastSeenAt: string | null;
  readonly certificate: { readonly serial: string; readonly notAfter: string } | null;
}

export interface EnrollmentToken {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAt: string;
}

/** The error body of every failed API answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId: string };
}
