/**
 * The console's only door to the server: one typed method per API route it uses.
 *
 * MUST: same-origin requests only, with the session cookie (`credentials: 'same-origin'`); the
 *       console never sees or stores the session token itself (the cookie is HttpOnly).
 * MUST: every state-changing request (POST/PUT/PATCH/DELETE) carries `x-csrf-token` from the
 *       current SessionView (the server refuses cookie-authenticated changes without it).
 * MUST: errors reach the user as the server's `{error:{code,message,requestId}}`: the message is
 *       the server's public message, and the request id lets support find the log line.
 * MUST: answers are never cached (PHI): `cache: 'no-store'`.
 */
import createClient from 'openapi-fetch';
import { takeEarly, takeEarlyNow } from '../early-answers';
import type { paths } from './schema';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/browser';
import type {
  CareTeamView,
  WardBoard,
  AuditEventQuery,
  BulkAcknowledgeResult,
  BulkDeviceResult,
  ClinicalAlertListQuery,
  ClinicalAlertPage,
  DeviceBinding,
  DeviceCommand,
  DeviceListQuery,
  DevicePage,
  PatientListQuery,
  SecurityAlertListQuery,
  SecurityAlertPage,
  SecurityEventListQuery,
  SecurityEventPage,
  UserListQuery,
  UserPage,
  ClinicalSeverity,
  PatientList,
  AlertRule,
  AlertRuleInput,
  ApiErrorBody,
  AuthResult,
  Binding,
  ClinicalAlert,
  ClinicalAlertStatus,
  DeadLetter,
  DeliveryChannel,
  Disclosure,
  PlatformUsage,
  SecurityAlert,
  SecurityAlertFilter,
  SecurityEventFilter,
  SecurityEventView,
  UserUsage,
  VitalReading,
  VitalSeries,
  BreakGlassGrant,
  BreakGlassQueueEntry,
  CareTeamMember,
  DeviceView,
  EnrollmentToken,
  FirmwareRelease,
  IntegrityEntry,
  OrgMaintenanceWindow,
  OrgMaintenanceWindowInput,
  RolloutAction,
  RolloutCampaign,
  RolloutRequest,
  RolloutProgress,
  InvitedUser,
  NewPatient,
  Patient,
  ReviewOutcome,
  Role,
  SessionView,
  SetupRequest,
  TotpConfirmation,
  TotpSetup,
  TrainingRecord,
  UserView,
} from './types';

export type DisclosureRecordInput = paths['/api/v1/patients/{id}/disclosures/records']['post']['requestBody']['content']['application/json'];
export type RecordedDisclosure = paths['/api/v1/patients/{id}/disclosures/records']['post']['responses']['201']['content']['application/json'];
export type DisclosureRecordsQuery = NonNullable<paths['/api/v1/patients/{id}/disclosures/records']['get']['parameters']['query']>;
export type DisclosureRecords = paths['/api/v1/patients/{id}/disclosures/records']['get']['responses']['200']['content']['application/json'];
export type DisclosureAccounting = paths['/api/v1/patients/{id}/disclosures/accounting']['get']['responses']['200']['content']['application/json'];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && 'message' in error && typeof error.message === 'string';
}

interface CallOptions {
  /** False for the sign-in routes, where a 401 means "wrong credentials", not "session ended". */
  readonly sessionRequired?: boolean;
}

const id = (value: string) => encodeURIComponent(value);

/** A query string from the parameters that are set (repeated keys for arrays), with its '?'. */
export function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) search.append(key, item);
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** A time window for usage and disclosure reports. */
export interface Window {
  readonly from?: string;
  readonly to?: string;
}

export class ApiClient {
  private csrfToken: string | null = null;
  private skewMs = 0;
  /** Called when a request that needed a session answers 401: the session ended on the server. */
  onSessionEnded: (() => void) | null = null;

  /** The CSRF token of the current session (from SessionView), or null when signed out. */
  useSession(session: SessionView | null): void {
    this.csrfToken = session?.csrfToken ?? null;
  }

  /** The server's clock, estimated from the Date header of its last answer (for idle timers). */
  serverNow(): number {
    return Date.now() + this.skewMs;
  }

  private async call<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (STATE_CHANGING.has(method) && this.csrfToken !== null) headers['x-csrf-token'] = this.csrfToken;
    let response: Response;
    try {
      // A GET the console started at boot (boot.ts) is answered from there, once.
      response =
        (method === 'GET' ? await takeEarly(path) : undefined) ??
        (await fetch(path, {
          method,
          headers,
          credentials: 'same-origin',
          cache: 'no-store',
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }));
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', null);
    }
    this.noteServerTime(response);
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) throw this.errorOf(response, parsed, options.sessionRequired !== false);
    return parsed as T;
  }

  private errorOf(response: Response, parsed: unknown, sessionRequired: boolean): ApiError {
    const requestId = response.headers.get('x-request-id');
    const error = isErrorBody(parsed)
      ? new ApiError(response.status, parsed.error.code, parsed.error.message, parsed.error.requestId || requestId)
      : new ApiError(response.status, `HTTP_${response.status}`, `The server answered ${response.status} ${response.statusText}.`, requestId);
    if (response.status === 401 && sessionRequired) this.onSessionEnded?.();
    return error;
  }

  /**
   * The typed door (openapi-fetch over the generated schema.d.ts): paths, parameters and answers
   * are checked against the server's OpenAPI document at build time. Errors are ApiError, as above.
   */
  private readonly typed = createClient<paths>({ fetch: (request) => this.send(request) });

  private async send(request: Request): Promise<Response> {
    if (STATE_CHANGING.has(request.method) && this.csrfToken !== null) request.headers.set('x-csrf-token', this.csrfToken);
    let response: Response;
    try {
      const url = new URL(request.url);
      response = (request.method === 'GET' && url.origin === window.location.origin && url.search === '' ? await takeEarly(url.pathname) : undefined) ?? (await fetch(request, { credentials: 'same-origin', cache: 'no-store' }));
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', null);
    }
    this.noteServerTime(response);
    if (response.ok) return response;
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(await response.text());
    } catch {
      parsed = undefined;
    }
    throw this.errorOf(response, parsed, true);
  }

  /** The answer of a typed call (errors were thrown by `send`). */
  private static async data<T>(call: Promise<{ data?: T }>): Promise<T> {
    const { data } = await call;
    if (data === undefined) throw new ApiError(0, 'EMPTY_ANSWER', 'The server sent no answer.', null);
    return data;
  }

  /** Follows nextCursor to the end (bounded: 50 pages). */
  private static async allPages<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i += 1) {
      const page = await fetchPage(cursor);
      out.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    return out;
  }

  private noteServerTime(response: Response): void {
    this.noteServerDate(response.headers.get('date'));
  }

  private noteServerDate(date: string | null): void {
    if (date === null) return;
    const server = Date.parse(date);
    // The Date header has one-second resolution: ignore differences below that.
    if (Number.isFinite(server)) this.skewMs = Math.abs(server - Date.now()) > 1500 ? server - Date.now() : 0;
  }

  /**
   * A GET's answer that boot.ts already has, read (early-answers.ts), for a first render without
   * a "loading" state; undefined when it is not there (yet), or was not a success: ask as usual.
   */
  private now<T>(path: string): T | undefined {
    const early = takeEarlyNow(path);
    if (early === undefined) return undefined;
    this.noteServerDate(early.date);
    return early.body as T;
  }

  // --- sign-in and session ---
  session = () => this.call<SessionView>('GET', '/api/v1/auth/session', undefined, { sessionRequired: false });
  /** The session check's answer when boot.ts already has it (see `now`). */
  sessionNow = (): SessionView | undefined => this.now<SessionView>('/api/v1/auth/session');
  /** `organization` (name or id) is needed when the username exists in several organizations. */
  login = (username: string, password: string, organization = '') =>
    this.call<AuthResult>('POST', '/api/v1/auth/login', { username, password, mode: 'cookie', ...(organization !== '' ? { organization } : {}) }, { sessionRequired: false });
  touch = () => this.call<SessionView>('POST', '/api/v1/auth/session/touch');
  logout = () => this.call<undefined>('POST', '/api/v1/auth/logout', undefined, { sessionRequired: false });
  mfaTotp = (code: string) => this.call<AuthResult>('POST', '/api/v1/auth/mfa/totp', { code }, { sessionRequired: false });
  mfaRecovery = (code: string) => this.call<AuthResult>('POST', '/api/v1/auth/mfa/recovery', { code }, { sessionRequired: false });
  mfaWebauthnOptions = () => this.call<PublicKeyCredentialRequestOptionsJSON>('POST', '/api/v1/auth/mfa/webauthn/options', undefined, { sessionRequired: false });
  mfaWebauthn = (response: AuthenticationResponseJSON) =>
    this.call<AuthResult>('POST', '/api/v1/auth/mfa/webauthn', { response }, { sessionRequired: false });
  changePassword = (currentPassword: string, newPassword: string) =>
    this.call<AuthResult>('POST', '/api/v1/auth/password', { currentPassword, newPassword });

  // --- MFA enrolment (also allowed while the session is mfa-enrollment-required) ---
  totpSetup = () => this.call<TotpSetup>('POST', '/api/v1/me/mfa/totp/setup');
  totpConfirm = (code: string) => this.call<TotpConfirmation>('POST', '/api/v1/me/mfa/totp/confirm', { code });
  passkeyOptions = () => this.call<PublicKeyCredentialCreationOptionsJSON>('POST', '/api/v1/me/mfa/webauthn/registration-options');
  passkeyRegister = (response: RegistrationResponseJSON) => this.call<AuthResult>('POST', '/api/v1/me/mfa/webauthn/registration', { response });

  // --- first-admin setup ---
  /** Whether setup is pending. Not in the contract's list: a 404 means "unknown" to the caller. */
  setupStatus = () => this.call<{ pending: boolean }>('GET', '/api/v1/setup', undefined, { sessionRequired: false });
  setup = (request: SetupRequest) => this.call<unknown>('POST', '/api/v1/setup', request, { sessionRequired: false });

  // --- users, roles, training ---
  /** Every user of the organization (all pages), for directories and pickers. */
  users = async (): Promise<{ users: UserView[] }> => ({ users: await ApiClient.allPages((cursor) => this.usersPage({ limit: 200, ...(cursor ? { cursor } : {}) }).then((p) => ({ items: p.users as UserView[], nextCursor: p.nextCursor }))) });
  /** One page of users: search, filters, sort. */
  usersPage = (q: UserListQuery = {}): Promise<UserPage> => ApiClient.data(this.typed.GET('/api/v1/users', { params: { query: q } }));
  inviteUser = (username: string, displayName: string, roles: readonly Role[]) =>
    this.call<InvitedUser>('POST', '/api/v1/users', { username, displayName, roles });
  disableUser = (userId: string) => this.call<unknown>('POST', `/api/v1/users/${id(userId)}/disable`);
  enableUser = (userId: string) => this.call<unknown>('POST', `/api/v1/users/${id(userId)}/enable`);
  resetPassword = (userId: string) => this.call<{ oneTimePassword: string }>('POST', `/api/v1/users/${id(userId)}/reset-password`);
  resetMfa = (userId: string) => this.call<{ totpRemoved: boolean; passkeysRemoved: number; sessionsRevoked: number }>('POST', `/api/v1/users/${id(userId)}/reset-mfa`);
  setRoles = (userId: string, roles: readonly Role[]) => this.call<unknown>('PUT', `/api/v1/users/${id(userId)}/roles`, { roles });
  training = (userId: string) => this.call<{ records: TrainingRecord[] }>('GET', `/api/v1/users/${id(userId)}/training`);
  addTraining = (userId: string, record: Omit<TrainingRecord, 'id'>) => this.call<unknown>('POST', `/api/v1/users/${id(userId)}/training`, record);

  // --- backups and disaster recovery (platform admins) ---
  /** Starts a backup (or a DR drill) as a background job; BACKUP_JOB_RUNNING while one runs. */
  startBackupJob = (kind: 'backup' | 'drill') => ApiClient.data(kind === 'backup' ? this.typed.POST('/api/v1/backups', {}) : this.typed.POST('/api/v1/backups/drill', {}));
  /** The running (or last) backup or drill job: progress and result. */
  backupJob = () => ApiClient.data(this.typed.GET('/api/v1/backups/job', {}));
  /** Backups, verifications, DR drills (RTO/RPO), failures and next runs; the view is audited. */
  backupOverview = () => ApiClient.data(this.typed.GET('/api/v1/backups', {}));

  // --- patients, care teams, break-glass ---
  /** Every patient in scope (all pages), for pickers; the server audits each one disclosed. */
  patients = async (scope: 'care' | 'all' = 'care'): Promise<PatientList> => {
    let last: PatientList | null = null;
    const patients = await ApiClient.allPages(async (cursor) => {
      last = await this.patientsPage({ scope, limit: 200, ...(cursor ? { cursor } : {}) });
      return { items: last.patients, nextCursor: last.nextCursor };
    });
    const tail = last as PatientList | null;
    return { patients, nextCursor: null, openAlertsOutsideCare: tail?.openAlertsOutsideCare ?? null };
  };
  /** One page of patients: search by name or MRN, sort; only the page is disclosed (and audited). */
  patientsPage = (q: PatientListQuery = {}): Promise<PatientList> => ApiClient.data(this.typed.GET('/api/v1/patients', { params: { query: q } }));
  /** Patients by name or MRN for pickers (patients:disclosures; the server audits each match). */
  patientLookup = (q: string) => ApiClient.data(this.typed.GET('/api/v1/patients/lookup', { params: { query: { q } } }));
  careTeamView = (patientId: string): Promise<CareTeamView> => ApiClient.data(this.typed.GET('/api/v1/patients/{id}/care-team', { params: { path: { id: patientId } } }));
  createPatient = (patient: NewPatient) => this.call<Patient>('POST', '/api/v1/patients', patient);
  patient = (patientId: string) => this.call<Patient>('GET', `/api/v1/patients/${id(patientId)}`);
  setCareTeam = (patientId: string, members: readonly CareTeamMember[]) =>
    this.call<unknown>('PUT', `/api/v1/patients/${id(patientId)}/care-team`, { members });
  breakGlass = (patientId: string, reason: string) =>
    this.call<{ grant: BreakGlassGrant }>('POST', `/api/v1/patients/${id(patientId)}/break-glass`, { reason });
  breakGlassQueue = (status: 'pending' | 'reviewed'): Promise<{ grants: BreakGlassQueueEntry[] }> => ApiClient.data(this.typed.GET('/api/v1/break-glass', { params: { query: { status } } }));
  reviewBreakGlass = (grantId: string, outcome: ReviewOutcome, note: string) =>
    this.call<unknown>('POST', `/api/v1/break-glass/${id(grantId)}/review`, { outcome, note });

  // --- devices ---
  /** Every device of the organization (all pages), for directories and pickers. */
  devices = async (): Promise<{ devices: DeviceView[] }> => ({ devices: await ApiClient.allPages((cursor) => this.devicesPage({ limit: 200, ...(cursor ? { cursor } : {}) }).then((p) => ({ items: p.devices as DeviceView[], nextCursor: p.nextCursor }))) });
  /** One page of devices: search (serial, id, model), filters (model, status, online), sort. */
  devicesPage = (q: DeviceListQuery = {}): Promise<DevicePage> => ApiClient.data(this.typed.GET('/api/v1/devices', { params: { query: q } }));
  /** Quarantine or release up to 10 devices, one audited change each (more: DEVICE_BULK_APPROVAL_REQUIRED). */
  bulkDevices = (action: 'quarantine' | 'release', deviceIds: readonly string[], reason: string): Promise<{ results: BulkDeviceResult[] }> =>
    ApiClient.data(this.typed.POST('/api/v1/devices/bulk', { body: { action, deviceIds: [...deviceIds], reason } }));
  deviceBinding = (deviceId: string): Promise<DeviceBinding> => ApiClient.data(this.typed.GET('/api/v1/devices/{id}/binding', { params: { path: { id: deviceId } } }));
  deviceCommands = (deviceId: string, limit = 20): Promise<{ commands: DeviceCommand[] }> =>
    ApiClient.data(this.typed.GET('/api/v1/devices/{id}/commands', { params: { path: { id: deviceId }, query: { limit } } }));
  deviceCommand = (deviceId: string, commandId: string): Promise<DeviceCommand> =>
    ApiClient.data(this.typed.GET('/api/v1/devices/{id}/commands/{commandId}', { params: { path: { id: deviceId, commandId } } }));
  device = (deviceId: string) => this.call<DeviceView>('GET', `/api/v1/devices/${id(deviceId)}`);
  createEnrollmentToken = (model: string, expiresInMinutes?: number) =>
    this.call<EnrollmentToken>('POST', '/api/v1/devices/enrollment-tokens', { model, ...(expiresInMinutes !== undefined ? { expiresInMinutes } : {}) });
  releaseDevice = (deviceId: string, reason: string) => this.call<unknown>('POST', `/api/v1/devices/${id(deviceId)}/release`, { reason });
  decommissionDevice = (deviceId: string, reason: string) => this.call<unknown>('POST', `/api/v1/devices/${id(deviceId)}/decommission`, { reason });
  revokeDevice = (deviceId: string, reason: string) => this.call<unknown>('POST', `/api/v1/devices/${id(deviceId)}/revoke`, { reason });
  quarantineDevice = (deviceId: string, reason: string) => this.call<unknown>('POST', `/api/v1/devices/${id(deviceId)}/quarantine`, { reason });

  /** A device's events (alarms, faults), newest first; `before` is the previous page's `next`. */
  deviceEvents = (deviceId: string, page: { limit?: number; before?: string } = {}) =>
    ApiClient.data(this.typed.GET('/api/v1/devices/{id}/events', { params: { path: { id: deviceId }, query: page } }));

  // --- clinical data: bindings, vitals, alert rules, clinical alerts (issue 5) ---
  bindings = (patientId: string) => this.call<{ bindings: Binding[] }>('GET', `/api/v1/patients/${id(patientId)}/bindings`);
  bindDevice = (patientId: string, deviceId: string, startAt?: string) =>
    this.call<Binding>('POST', `/api/v1/patients/${id(patientId)}/bindings`, { deviceId, ...(startAt !== undefined ? { startAt } : {}) });
  endBinding = (bindingId: string, endAt?: string) => this.call<Binding>('POST', `/api/v1/bindings/${id(bindingId)}/end`, endAt !== undefined ? { endAt } : {});
  latestVitals = (patientId: string) => this.call<{ vitals: VitalReading[] }>('GET', `/api/v1/patients/${id(patientId)}/vitals/latest`);
  vitals = (patientId: string, metrics: readonly string[], from: string, to: string, bucketSeconds?: number) =>
    this.call<{ series: VitalSeries[] }>('GET', `/api/v1/patients/${id(patientId)}/vitals${query({ metric: metrics, from, to, bucket: bucketSeconds })}`);
  /** The SSE URL of a patient's live vitals and alerts (EventSource sends the session cookie). */
  vitalsStreamUrl = (patientId: string) => `/api/v1/patients/${id(patientId)}/vitals/stream`;
  alertRules = (patientId?: string) => this.call<{ rules: AlertRule[] }>('GET', `/api/v1/alert-rules${query({ patientId })}`);
  createAlertRule = (rule: AlertRuleInput) => this.call<AlertRule>('POST', '/api/v1/alert-rules', rule);
  updateAlertRule = (ruleId: string, rule: AlertRuleInput) => this.call<AlertRule>('PUT', `/api/v1/alert-rules/${id(ruleId)}`, rule);
  clinicalAlerts = (filter: { status?: ClinicalAlertStatus; patientId?: string; severity?: ClinicalSeverity } = {}): Promise<{ alerts: ClinicalAlert[]; openOutsideCare: number }> =>
    ApiClient.data(this.typed.GET('/api/v1/clinical-alerts', { params: { query: filter } }));
  /** One page of clinical alerts: status, severities (comma-separated), patient, sort. */
  clinicalAlertsPage = (q: ClinicalAlertListQuery = {}): Promise<ClinicalAlertPage> => ApiClient.data(this.typed.GET('/api/v1/clinical-alerts', { params: { query: q } }));
  /** Acknowledge several alerts: one outcome per alert (each checked and audited on its own). */
  acknowledgeClinicalAlerts = (ids: readonly string[]): Promise<{ results: BulkAcknowledgeResult[] }> =>
    ApiClient.data(this.typed.POST('/api/v1/clinical-alerts/acknowledge', { body: { ids: [...ids] } }));
  acknowledgeClinicalAlert = (alertId: string) => this.call<ClinicalAlert>('POST', `/api/v1/clinical-alerts/${id(alertId)}/acknowledge`);
  resolveClinicalAlert = (alertId: string) => this.call<ClinicalAlert>('POST', `/api/v1/clinical-alerts/${id(alertId)}/resolve`);
  readonly clinicalAlertsStreamUrl = '/api/v1/clinical-alerts/stream';
  ward = (): Promise<WardBoard> => ApiClient.data(this.typed.GET('/api/v1/ward'));
  /** The ward board's answer when boot.ts already has it (see `now`). */
  wardNow = (): WardBoard | undefined => this.now<WardBoard>('/api/v1/ward');

  // --- role dashboards (issue 16): counts only ---
  securityDashboard = () => ApiClient.data(this.typed.GET('/api/v1/dashboard/security'));
  adminDashboard = () => ApiClient.data(this.typed.GET('/api/v1/dashboard/admin'));
  auditVerification = () => ApiClient.data(this.typed.GET('/api/v1/audit/verification'));
  /** One page of the audit log, newest first (the search is itself audited). */
  auditEvents = (query: AuditEventQuery) => ApiClient.data(this.typed.GET('/api/v1/audit/events', { params: { query } }));
  // --- firmware releases, rollouts, fleet integrity (issue 13) ---
  firmwareReleases = (model?: string): Promise<{ releases: FirmwareRelease[] }> =>
    ApiClient.data(this.typed.GET('/api/v1/firmware/releases', { params: { query: model !== undefined ? { model } : {} } }));
  firmwareRelease = (model: string, version: string): Promise<FirmwareRelease> =>
    ApiClient.data(this.typed.GET('/api/v1/firmware/releases/{model}/{version}', { params: { path: { model, version } } }));
  /** The SBOM as published (a same-origin download link; the session cookie authenticates it). */
  sbomUrl = (model: string, version: string) => `/api/v1/firmware/releases/${id(model)}/${id(version)}/sbom`;
  firmwareIntegrity = (): Promise<{ devices: IntegrityEntry[] }> => ApiClient.data(this.typed.GET('/api/v1/firmware/integrity'));
  rollouts = (): Promise<{ rollouts: RolloutCampaign[] }> => ApiClient.data(this.typed.GET('/api/v1/rollouts'));
  rollout = (rolloutId: string): Promise<RolloutProgress> => ApiClient.data(this.typed.GET('/api/v1/rollouts/{id}', { params: { path: { id: rolloutId } } }));
  /** Approval by a second person, confirmed with a fresh authenticator code (step-up). */
  approveRollout = (rolloutId: string, stepUpCode: string): Promise<RolloutCampaign> =>
    ApiClient.data(this.typed.POST('/api/v1/rollouts/{id}/approve', { params: { path: { id: rolloutId } }, body: { stepUpCode } }));
  /** Requests a campaign (it starts when a second person approves it). */
  requestRollout = (body: RolloutRequest): Promise<RolloutCampaign> => this.call<RolloutCampaign>('POST', '/api/v1/rollouts', body);
  maintenanceWindow = (): Promise<OrgMaintenanceWindow> => ApiClient.data(this.typed.GET('/api/v1/rollouts/maintenance-window'));
  setMaintenanceWindow = (window: OrgMaintenanceWindowInput | null): Promise<OrgMaintenanceWindow> => ApiClient.data(this.typed.PUT('/api/v1/rollouts/maintenance-window', { body: { window } }));
  changeRollout = (rolloutId: string, action: RolloutAction) => this.call<RolloutCampaign>('POST', `/api/v1/rollouts/${id(rolloutId)}/${action}`);

  // --- security monitoring, delivery, usage (issue 6) ---
  securityEvents = (filter: SecurityEventFilter = {}) => this.call<{ events: SecurityEventView[] }>('GET', `/api/v1/security/events${query({ ...filter })}`);
  securityAlerts = (filter: SecurityAlertFilter = {}) => this.call<{ alerts: SecurityAlert[] }>('GET', `/api/v1/security/alerts${query({ ...filter })}`);
  securityEventsPage = (q: SecurityEventListQuery = {}): Promise<SecurityEventPage> => ApiClient.data(this.typed.GET('/api/v1/security/events', { params: { query: q } }));
  securityAlertsPage = (q: SecurityAlertListQuery = {}): Promise<SecurityAlertPage> => ApiClient.data(this.typed.GET('/api/v1/security/alerts', { params: { query: q } }));
  securityAlert = (alertId: string) => this.call<SecurityAlert>('GET', `/api/v1/security/alerts/${id(alertId)}`);
  acknowledgeSecurityAlert = (alertId: string) => this.call<SecurityAlert>('POST', `/api/v1/security/alerts/${id(alertId)}/acknowledge`);
  resolveSecurityAlert = (alertId: string) => this.call<SecurityAlert>('POST', `/api/v1/security/alerts/${id(alertId)}/resolve`);
  suppressSecurityAlert = (alertId: string, reason: string) => this.call<SecurityAlert>('POST', `/api/v1/security/alerts/${id(alertId)}/suppress`, { reason });
  assignSecurityAlert = (alertId: string, userId: string) => this.call<SecurityAlert>('POST', `/api/v1/security/alerts/${id(alertId)}/assign`, { userId });
  noteSecurityAlert = (alertId: string, text: string) => this.call<SecurityAlert>('POST', `/api/v1/security/alerts/${id(alertId)}/notes`, { text });
  channels = () => this.call<{ channels: DeliveryChannel[] }>('GET', '/api/v1/security/channels');
  createChannel = (channel: { kind: DeliveryChannel['kind']; name: string; minSeverity: DeliveryChannel['minSeverity']; config: Record<string, unknown> }) =>
    this.call<DeliveryChannel>('POST', '/api/v1/security/channels', channel);
  deadLetters = () => this.call<{ deadLetters: DeadLetter[] }>('GET', '/api/v1/security/dead-letters');
  retryDeadLetter = (deadLetterId: string) => this.call<unknown>('POST', `/api/v1/security/dead-letters/${id(deadLetterId)}/retry`);
  userUsage = (window: Window = {}) => this.call<{ users: UserUsage[] }>('GET', `/api/v1/usage/users${query({ ...window, format: 'json' })}`);
  platformUsage = (window: Window & { interval: 'hour' | 'day' }) => this.call<PlatformUsage>('GET', `/api/v1/usage/platform${query({ ...window, format: 'json' })}`);
  disclosures = (patientId: string, window: Window = {}) =>
    this.call<{ disclosures: Disclosure[] }>('GET', `/api/v1/patients/${id(patientId)}/disclosures${query({ ...window, format: 'json' })}`);
  // --- accounting of disclosures to outside parties (HIPAA §164.528) ---
  disclosureAccounting = (patientId: string, summarize = true) =>
    ApiClient.data(this.typed.GET('/api/v1/patients/{id}/disclosures/accounting', { params: { path: { id: patientId }, query: { summarize } } }));
  recordedDisclosures = (patientId: string, q: DisclosureRecordsQuery = {}) => ApiClient.data(this.typed.GET('/api/v1/patients/{id}/disclosures/records', { params: { path: { id: patientId }, query: q } }));
  recordDisclosure = (patientId: string, disclosure: DisclosureRecordInput) =>
    this.call<RecordedDisclosure>('POST', `/api/v1/patients/${id(patientId)}/disclosures/records`, disclosure);
  /** The printable accounting (a self-contained HTML page; the session cookie authenticates the link). */
  disclosureAccountingPrintUrl = (patientId: string) => `/api/v1/patients/${id(patientId)}/disclosures/accounting?format=html`;
  /** CSV download links (same origin, the session cookie authenticates a plain link). */
  readonly csv = {
    userUsage: (window: Window = {}) => `/api/v1/usage/users${query({ ...window, format: 'csv' })}`,
    platformUsage: (window: Window & { interval: 'hour' | 'day' }) => `/api/v1/usage/platform${query({ ...window, format: 'csv' })}`,
    disclosures: (patientId: string, window: Window = {}) => `/api/v1/patients/${id(patientId)}/disclosures${query({ ...window, format: 'csv' })}`,
  };
}
