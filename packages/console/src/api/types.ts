/**
 * The shapes of the HTTP API the console uses. The newer ones are derived from schema.d.ts, which
 * scripts/api-types.mjs generates from the server's OpenAPI document (the build fails when it is
 * out of date), so that the console and the server cannot drift; the older hand-written ones are
 * being moved over. Nothing is imported from the server: the console MUST NOT bundle server code
 * (a package boundary is a trust boundary), and schema.d.ts holds types only.
 */
import type { paths } from './schema';

/** The roles, in the order the console lists them; each is one the server names (checked below). */
export const ROLES = ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor', 'service'] as const satisfies readonly Answer<'/api/v1/auth/session', 'get'>['user']['roles'][number][];
export type Role = Answer<'/api/v1/auth/session', 'get'>['user']['roles'][number];


/** The signed-in session as the server sends it (GET /api/v1/auth/session). */
export type SessionView = Answer<'/api/v1/auth/session', 'get'>;
export type SessionUser = SessionView['user'];
export type SessionState = SessionView['state'];
export type MfaMethod = SessionView['mfaMethods'][number];

/** A sign-in step's answer: the session's new state and the session. */
export type AuthResult = Pick<Answer<'/api/v1/auth/login', 'post'>, 'state' | 'session'>;

/** The QR code is an SVG document from our own server, shown through an <img> data: URL, never as markup. */
export type TotpSetup = Answer<'/api/v1/me/mfa/totp/setup', 'post'>;

export type TotpConfirmation = Answer<'/api/v1/me/mfa/totp/confirm', 'post'>;

export type SetupRequest = Body<'/api/v1/setup', 'post'>;

export type UserView = Answer<'/api/v1/users', 'get'>['users'][number];
export type UserStatus = UserView['status'];

export type InvitedUser = Answer<'/api/v1/users', 'post'>;

export type TrainingRecord = Answer<'/api/v1/users/{id}/training', 'get'>['records'][number];

/** A route's JSON answer (200, or 201 for a creation), from the schema generated out of the server's OpenAPI document. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer J } } } }
  ? J
  : paths[P][M] extends { responses: { 201: { content: { 'application/json': infer J } } } }
    ? J
    : never;
/** A route's JSON request body. */
export type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer J } } } ? J : never;

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

/** A patient's record for a reader in their care (or under break-glass). */
export type Patient = Answer<'/api/v1/patients/{id}', 'get'>;
export type CareTeamMember = Patient['careTeam'][number];
export type CareTeamRole = CareTeamMember['role'];
export type Sex = Patient['sex'];

export type NewPatient = Body<'/api/v1/patients', 'post'>;

export type BreakGlassGrant = Answer<'/api/v1/patients/{id}/break-glass', 'post'>['grant'];

export type ReviewOutcome = 'justified' | 'unjustified';

/**
 * One entry of the review queue (`GET /api/v1/break-glass`): the grant, who took it, and the
 * patient's name and MRN when the reviewer has current training (the server audits the label).
 */
export type BreakGlassQueueEntry = Answer<'/api/v1/break-glass', 'get'>['grants'][number];

/** A device as the server sends it (GET /api/v1/devices/{id}). */
export type DeviceView = Answer<'/api/v1/devices/{id}', 'get'>;
export type DeviceStatus = DeviceView['status'];

export type EnrollmentToken = Answer<'/api/v1/devices/enrollment-tokens', 'post'>;

/** The error body of every failed API answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly requestId: string };
}

// --- clinical data (issue 5; contract: "Clinical data") ---

export type Binding = Answer<'/api/v1/patients/{id}/bindings', 'get'>['bindings'][number];

export type VitalReading = Answer<'/api/v1/patients/{id}/vitals/latest', 'get'>['vitals'][number];
export type VitalSeries = Answer<'/api/v1/patients/{id}/vitals', 'get'>['series'][number];
export type VitalPoint = NonNullable<VitalSeries['points']>[number];
export type VitalBucket = NonNullable<VitalSeries['buckets']>[number];

export type AlertRule = Answer<'/api/v1/alert-rules', 'get'>['rules'][number];
export type AlertRuleInput = Body<'/api/v1/alert-rules', 'post'>;
export type Comparison = AlertRule['comparison'];
export type ClinicalSeverity = AlertRule['severity'];

export type ClinicalAlert = Answer<'/api/v1/clinical-alerts', 'get'>['alerts'][number];
export type ClinicalAlertStatus = ClinicalAlert['status'];

// --- security monitoring and usage (issue 6; contract: "Security monitoring") ---

export type SecurityEventView = Answer<'/api/v1/security/events', 'get'>['events'][number];

export type SecurityEventFilter = Pick<NonNullable<paths['/api/v1/security/events']['get']['parameters']['query']>, 'type' | 'userId' | 'deviceId' | 'source' | 'from' | 'to' | 'limit'>;

export type SecurityAlert = Answer<'/api/v1/security/alerts/{id}', 'get'>;
export type SecuritySeverity = SecurityAlert['severity'];
export type SecurityAlertStatus = SecurityAlert['status'];

export type SecurityAlertFilter = Pick<NonNullable<paths['/api/v1/security/alerts']['get']['parameters']['query']>, 'status' | 'severity' | 'detector'>;

export type DeliveryChannel = Answer<'/api/v1/security/channels', 'get'>['channels'][number];
export type ChannelKind = DeliveryChannel['kind'];

export type DeadLetter = Answer<'/api/v1/security/dead-letters', 'get'>['deadLetters'][number];

export type UserUsage = Answer<'/api/v1/usage/users', 'get'>['users'][number];

export type PlatformUsagePoint = PlatformUsage['series'][number];

export type PlatformUsage = Answer<'/api/v1/usage/platform', 'get'>;

export type Disclosure = Answer<'/api/v1/patients/{id}/disclosures', 'get'>['disclosures'][number];

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
