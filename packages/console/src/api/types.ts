/**
 * The shapes of the HTTP API the console uses. The newer ones are derived from schema.d.ts, which
 * scripts/api-types.mjs generates from the server's OpenAPI document (the build fails when it is
 * out of date), so that the console and the server cannot drift; the older hand-written ones are
 * being moved over. Nothing is imported from the server: the console MUST NOT bundle server code
 * (a package boundary is a trust boundary), and schema.d.ts holds types only.
 */
import type { paths } from './schema';

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

/** The QR code is an SVG document from our own server, shown through an <img> data: URL, never as markup. */
export type TotpSetup = Answer<'/api/v1/me/mfa/totp/setup', 'post'>;

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

export type TrainingRecord = Answer<'/api/v1/users/{id}/training', 'get'>['records'][number];

/** A route's JSON answer, from the schema generated out of the server's OpenAPI document. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer J } } } } ? J : never;

/** One patient of a list: `openAlerts` is null when the reader may not read that patient's alerts. */
export type PatientSummary = Answer<'/api/v1/patients', 'get'>['patients'][number];
/** The patients list, with the open alerts of patients outside the reader's care (a count only). */
export type PatientList = Answer<'/api/v1/patients', 'get'>;
/** The ward board: patients in care with their latest vitals, trends and open alerts. */
export type WardBoard = Answer<'/api/v1/ward', 'get'>;
export type WardPatient = WardBoard['patients'][number];
/** A care team for its managers (names; the patient's label when the reader is trained). */
export type CareTeamView = Answer<'/api/v1/patients/{id}/care-team', 'get'>;

/** Firmware releases (issue 13) with their SBOM components; campaigns with their waves; the fleet's integrity. */
export type FirmwareRelease = Answer<'/api/v1/firmware/releases', 'get'>['releases'][number];
export type SbomComponent = FirmwareRelease['sbom']['components'][number];
export type IntegrityEntry = Answer<'/api/v1/firmware/integrity', 'get'>['devices'][number];
export type RolloutCampaign = Answer<'/api/v1/rollouts', 'get'>['rollouts'][number];
export type RolloutProgress = Answer<'/api/v1/rollouts/{id}', 'get'>;
export type RolloutAction = 'pause' | 'resume' | 'abort' | 'rollback';
export type RolloutRequest = NonNullable<paths['/api/v1/rollouts']['post']['requestBody']>['content']['application/json'];
export type OrgMaintenanceWindow = Answer<'/api/v1/rollouts/maintenance-window', 'get'>;
export type OrgMaintenanceWindowInput = NonNullable<NonNullable<paths['/api/v1/rollouts/maintenance-window']['put']['requestBody']>['content']['application/json']['window']>;

export type Sex = 'female' | 'male' | 'other' | 'unknown';
export type CareTeamRole = 'primary' | 'member';

export interface CareTeamMember {
  readonly userId: string;
  readonly role: CareTeamRole;
  /** Sent with a record; never sent back. */
  readonly displayName?: string;
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
 * One entry of the review queue (`GET /api/v1/break-glass`): the grant, who took it, and the
 * patient's name and MRN when the reviewer has current training (the server audits the label).
 */
export type BreakGlassQueueEntry = Answer<'/api/v1/break-glass', 'get'>['grants'][number];

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
  /** The site the device is placed at (null: none). */
  readonly site: string | null;
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

// --- clinical data (issue 5; contract: "Clinical data") ---

export interface Binding {
  readonly id: string;
  readonly deviceId: string;
  readonly patientId: string;
  readonly startAt: string;
  readonly endAt: string | null;
}

export interface VitalReading {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly measuredAt: string;
  readonly deviceId: string;
}

export interface VitalPoint {
  readonly t: string;
  readonly v: number;
}

export interface VitalBucket {
  readonly t: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

export interface VitalSeries {
  readonly metric: string;
  readonly unit: string;
  readonly points?: readonly VitalPoint[];
  readonly buckets?: readonly VitalBucket[];
}

export type Comparison = 'lt' | 'le' | 'gt' | 'ge';
export type ClinicalSeverity = 'low' | 'medium' | 'high';

export interface AlertRuleInput {
  readonly patientId?: string;
  readonly metric: string;
  readonly comparison: Comparison;
  readonly value: number;
  readonly durationSeconds: number;
  readonly severity: ClinicalSeverity;
  readonly enabled?: boolean;
}

export type AlertRule = Answer<'/api/v1/alert-rules', 'get'>['rules'][number];

export type ClinicalAlertStatus = 'open' | 'acknowledged' | 'resolved';

export type ClinicalAlert = Answer<'/api/v1/clinical-alerts', 'get'>['alerts'][number];

// --- security monitoring and usage (issue 6; contract: "Security monitoring") ---

export interface SecurityEventView {
  readonly id: string;
  readonly time: string;
  readonly type: string;
  readonly severity: string;
  readonly reason: string | null;
  readonly orgId: string | null;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly patientId: string | null;
  readonly source: string | null;
  readonly requestId: string | null;
  readonly details: Record<string, unknown> | null;
}

export interface SecurityEventFilter {
  readonly type?: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly source?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export type SecuritySeverity = 'low' | 'medium' | 'high' | 'critical';
export type SecurityAlertStatus = 'open' | 'acknowledged' | 'resolved' | 'suppressed';

export interface SecurityAlert {
  readonly id: string;
  readonly orgId: string;
  readonly detector: string;
  readonly severity: SecuritySeverity;
  readonly title: string;
  readonly summary: string;
  readonly subject: { readonly kind: 'user' | 'device' | 'source' | 'org' | 'patient'; readonly id: string };
  readonly count: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly status: SecurityAlertStatus;
  readonly assignee: string | null;
  readonly suppressedReason: string | null;
  readonly notes: readonly { readonly at: string; readonly by: string; readonly text: string }[];
  readonly evidence: { readonly securityEventIds: readonly string[]; readonly auditSeqs: readonly number[] };
}

export interface SecurityAlertFilter {
  readonly status?: SecurityAlertStatus;
  readonly severity?: SecuritySeverity;
  readonly detector?: string;
}

export type ChannelKind = 'webhook' | 'email' | 'syslog';

export type DeliveryChannel = Answer<'/api/v1/security/channels', 'get'>['channels'][number];

export type DeadLetter = Answer<'/api/v1/security/dead-letters', 'get'>['deadLetters'][number];

export type UserUsage = Answer<'/api/v1/usage/users', 'get'>['users'][number];

export type PlatformUsagePoint = PlatformUsage['series'][number];

export type PlatformUsage = Answer<'/api/v1/usage/platform', 'get'>;

export interface Disclosure {
  readonly at: string;
  readonly userId: string;
  readonly username: string;
  readonly action: string;
  readonly route: string;
  readonly basis: string;
  readonly grantId: string | null;
  readonly reason: string | null;
  readonly fields: readonly string[] | string | null;
}

/** The role dashboards (issue 16): counts for the organization, no PHI. */
export type SecurityDashboard = Answer<'/api/v1/dashboard/security', 'get'>;
export type AdminDashboard = Answer<'/api/v1/dashboard/admin', 'get'>;
export type DeviceStateCounts = SecurityDashboard['devices'];
export type AuditVerification = Answer<'/api/v1/audit/verification', 'get'>;

// --- paged lists (kernel/list-page.ts): `sort` is `key` or `-key`, `cursor` the previous nextCursor ---
export type DeviceListQuery = NonNullable<paths['/api/v1/devices']['get']['parameters']['query']>;
export type UserListQuery = NonNullable<paths['/api/v1/users']['get']['parameters']['query']>;
export type PatientListQuery = NonNullable<paths['/api/v1/patients']['get']['parameters']['query']>;
export type ClinicalAlertListQuery = NonNullable<paths['/api/v1/clinical-alerts']['get']['parameters']['query']>;
export type SecurityEventListQuery = NonNullable<paths['/api/v1/security/events']['get']['parameters']['query']>;
export type SecurityAlertListQuery = NonNullable<paths['/api/v1/security/alerts']['get']['parameters']['query']>;
export type DevicePage = Answer<'/api/v1/devices', 'get'>;
export type UserPage = Answer<'/api/v1/users', 'get'>;
export type ClinicalAlertPage = Answer<'/api/v1/clinical-alerts', 'get'>;
export type SecurityEventPage = Answer<'/api/v1/security/events', 'get'>;
export type SecurityAlertPage = Answer<'/api/v1/security/alerts', 'get'>;
export type BulkDeviceResult = Answer<'/api/v1/devices/bulk', 'post'>['results'][number];
export type BulkAcknowledgeResult = Answer<'/api/v1/clinical-alerts/acknowledge', 'post'>['results'][number];
export type DeviceCommand = Answer<'/api/v1/devices/{id}/commands', 'get'>['commands'][number];

/** The audit log (search, paged by cursor) and the backups overview (issue 12). */
export type AuditEventPage = Answer<'/api/v1/audit/events', 'get'>;
export type AuditEvent = AuditEventPage['events'][number];
export type AuditEventQuery = NonNullable<paths['/api/v1/audit/events']['get']['parameters']['query']>;
export type BackupOverview = Answer<'/api/v1/backups', 'get'>;
/** A device's binding in force, with the patient's label and the device's newest readings where the reader may see them. */
export type DeviceBinding = Answer<'/api/v1/devices/{id}/binding', 'get'>;
