/**
 * The one catalogue of error codes. Every AppError carries a code from here.
 *
 * MUST: only `publicMessage` reaches a client; `cause` stays in the server log.
 * MUST: `docs/errors.md` lists every code; a test fails when the two drift apart.
 * Modules register their codes by adding an entry here, prefixed with the module name.
 */
export interface ErrorSpec {
  /** HTTP status the HTTP transport maps this code to. */
  readonly status: number;
  /** Safe, generic text for clients. Never contains PHI, secrets or internals. */
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  // kernel / transport-wide
  INTERNAL: { status: 500, message: 'Internal error.' },
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests.' },
  NOT_READY: { status: 503, message: 'The service is not ready.' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  FORBIDDEN: { status: 403, message: 'Not allowed.' },
  // lists (kernel/list-page.ts): search, sort and cursor paging
  LIST_CURSOR_INVALID: { status: 400, message: 'The paging cursor is not valid for this list and sort; start again from the first page.' },
  LIST_SORT_INVALID: { status: 400, message: 'This list cannot be sorted by that key.' },
  // config
  CONFIG_PORT_IN_USE: { status: 500, message: 'A port the server needs is already in use.' },
  CONFIG_INVALID: { status: 500, message: 'The configuration is not valid.' },
  CONFIG_INSECURE: { status: 500, message: 'The configuration is insecure.' },
  // storage
  STORAGE_UNAVAILABLE: { status: 503, message: 'Storage is unavailable.' },
  STORAGE_MIGRATION_FAILED: { status: 500, message: 'A database migration failed.' },
  STORAGE_CONFLICT: { status: 409, message: 'The resource was changed concurrently.' },
  // backup
  BACKUP_NOT_FOUND: { status: 404, message: 'The backup was not found.' },
  BACKUP_NOT_CONFIGURED: { status: 409, message: 'Backups are not configured.' },
  BACKUP_TARGET_FAILED: { status: 502, message: 'The backup target failed.' },
  BACKUP_SNAPSHOT_FAILED: { status: 500, message: 'The database snapshot failed.' },
  BACKUP_MANIFEST_INVALID: { status: 422, message: 'The backup manifest is not valid.' },
  BACKUP_SIGNATURE_INVALID: { status: 422, message: 'The backup manifest signature is not valid.' },
  BACKUP_PART_CORRUPT: { status: 422, message: 'A backup part is damaged or was altered.' },
  BACKUP_CONTENT_MISMATCH: { status: 422, message: 'The backup content does not match its manifest.' },
  BACKUP_RESTORE_TARGET_NOT_EMPTY: { status: 409, message: 'The restore target already holds data.' },
  EMERGENCY_READ_ONLY: { status: 503, message: 'Vigil runs in emergency read-only mode: changes are not accepted.' },
  BACKUP_ENGINE_MISMATCH: { status: 422, message: 'The backup was made on another database engine.' },
  BACKUP_JOB_RUNNING: { status: 409, message: 'A backup or drill job is already running.' },
  // keys
  KEYS_MASTER_KEY_MISSING: { status: 500, message: 'The master key is missing.' },
  KEYS_MASTER_KEY_INVALID: { status: 500, message: 'The master key is not valid.' },
  KEYS_MASTER_KEY_WRONG: { status: 500, message: 'The master key does not open this key store.' },
  KEYS_STORE_CORRUPT: { status: 500, message: 'The key store is damaged.' },
  KEYS_KEY_NOT_FOUND: { status: 500, message: 'A required key is missing.' },
  KEYS_CIPHERTEXT_INVALID: { status: 500, message: 'Sealed data could not be opened.' },
  KEYS_SIGNATURE_INVALID: { status: 400, message: 'The signature is not valid.' },
  KEYS_RECOVERY_KEY_INVALID: { status: 400, message: 'The recovery key is not valid.' },
  KEYS_STORE_EXISTS: { status: 500, message: 'A key store already exists here; it was not replaced.' },
  // audit
  AUDIT_WRITE_FAILED: { status: 503, message: 'The audit log could not be written; nothing was changed.' },
  AUDIT_EVENT_INVALID: { status: 500, message: 'The audit event is not valid.' },
  AUDIT_CHAIN_BROKEN: { status: 500, message: 'The audit chain failed verification.' },
  AUDIT_CHECKPOINT_INVALID: { status: 500, message: 'An audit checkpoint failed verification.' },
  // data directory / lifecycle
  DATA_DIR_INSECURE: { status: 500, message: 'The data directory has unsafe permissions.' },
  DATA_DIR_NOT_INITIALIZED: { status: 500, message: 'The data directory is not initialized.' },
  DATA_DIR_LOCKED: { status: 500, message: 'The data directory is in use by another process.' },
  // identity (setup)
  IDENTITY_SETUP_CREDENTIAL_INVALID: { status: 401, message: 'The setup credential is not valid or has expired.' },
  IDENTITY_SETUP_COMPLETED: { status: 409, message: 'Setup is complete: an administrator exists. Ask them for access.' },
  // identity (users, passwords, sessions, MFA, tokens)
  IDENTITY_LOGIN_FAILED: { status: 401, message: 'The username or password is not correct.' },
  IDENTITY_SESSION_INVALID: { status: 401, message: 'The session is not valid or has expired.' },
  IDENTITY_SESSION_STATE: { status: 403, message: 'Complete the sign-in steps first.' },
  IDENTITY_CSRF_FAILED: { status: 403, message: 'The CSRF token is missing or does not match.' },
  IDENTITY_MFA_FAILED: { status: 401, message: 'The verification code is not correct.' },
  IDENTITY_MFA_NOT_ENROLLED: { status: 409, message: 'No second factor of this kind is enrolled.' },
  IDENTITY_MFA_ALREADY_ENROLLED: { status: 409, message: 'This second factor is already enrolled.' },
  IDENTITY_PASSWORD_INCORRECT: { status: 401, message: 'The current password is not correct.' },
  IDENTITY_PASSWORD_TOO_SHORT: { status: 400, message: 'The new password is too short.' },
  IDENTITY_PASSWORD_TOO_LONG: { status: 400, message: 'The new password is too long.' },
  IDENTITY_PASSWORD_COMMON: { status: 400, message: 'The new password is too common or has appeared in a breach.' },
  IDENTITY_PASSWORD_CONTEXT: { status: 400, message: 'The new password must not contain the username or organization name.' },
  IDENTITY_PASSWORD_REUSED: { status: 400, message: 'The new password was used recently.' },
  IDENTITY_USERNAME_INVALID: { status: 400, message: 'The username is not valid.' },
  IDENTITY_USERNAME_TAKEN: { status: 409, message: 'The username is taken.' },
  IDENTITY_USER_NOT_FOUND: { status: 404, message: 'Not found.' },
  IDENTITY_ORGANIZATION_EXISTS: { status: 409, message: 'An organization with this name exists.' },
  IDENTITY_ORGANIZATION_NOT_FOUND: { status: 404, message: 'Not found.' },
  IDENTITY_ROLE_NOT_ALLOWED: { status: 403, message: 'You may not grant this role.' },
  IDENTITY_SCOPE_INVALID: { status: 400, message: 'A token scope is not a permission service accounts may hold.' },

  // access
  ACCESS_ROUTE_UNKNOWN: { status: 404, message: 'No route matches this method and path.' },

  // patients (PHI, training, care teams, break-glass)
  PATIENTS_NOT_FOUND: { status: 404, message: 'Patient not found.' },
  PATIENTS_TRAINING_REQUIRED: { status: 403, message: 'Current HIPAA training is required to access patient information.' },
  PATIENTS_CARE_RELATIONSHIP_REQUIRED: { status: 403, message: 'A care relationship with this patient (or a break-glass grant) is required.' },
  PATIENTS_PHI_PRINCIPAL_REQUIRED: { status: 403, message: 'Only a signed-in person may access patient information.' },
  PATIENTS_MRN_TAKEN: { status: 409, message: 'A patient with this MRN already exists in the organization.' },
  PATIENTS_DEMOGRAPHICS_INVALID: { status: 400, message: 'The patient demographics are not valid.' },
  PATIENTS_CARE_TEAM_INVALID: { status: 400, message: 'The care team is not valid.' },
  PATIENTS_USER_NOT_FOUND: { status: 404, message: 'User not found.' },
  PATIENTS_TRAINING_INVALID: { status: 400, message: 'The training record is not valid.' },
  PATIENTS_BREAK_GLASS_REASON_INVALID: { status: 400, message: 'A break-glass reason of 10 to 500 characters is required.' },
  PATIENTS_BREAK_GLASS_NOT_FOUND: { status: 404, message: 'Break-glass grant not found.' },
  PATIENTS_BREAK_GLASS_ALREADY_REVIEWED: { status: 409, message: 'This break-glass grant has already been reviewed.' },
  PATIENTS_BREAK_GLASS_SELF_REVIEW: { status: 403, message: 'A break-glass grant cannot be reviewed by the person who used it.' },
  // disclosures (accounting of disclosures, HIPAA §164.528)
  DISCLOSURES_INVALID: { status: 400, message: 'The disclosure is not valid.' },
  DISCLOSURES_EXCLUDED: { status: 422, message: 'The accounting of disclosures excludes this disclosure (HIPAA §164.528(a)(1)).' },

  // devices (registry, enrolment, device CA, revocation)
  DEVICE_NOT_FOUND: { status: 404, message: 'Device not found.' },
  DEVICE_ENROLLMENT_FAILED: { status: 401, message: 'Enrolment failed.' },
  DEVICE_CERTIFICATE_REFUSED: { status: 401, message: 'The device certificate is not accepted.' },
  DEVICE_STATUS_CONFLICT: { status: 409, message: 'The device is not in a state that allows this.' },
  DEVICE_SERIAL_IN_USE: { status: 409, message: 'A device of this model with this serial number is already enrolled.' },
  DEVICE_BULK_APPROVAL_REQUIRED: { status: 409, message: 'A change to this many devices at once needs a second person: request it as an incident containment action.' },
  CA_CSR_INVALID: { status: 400, message: 'The certificate signing request is not valid.' },
  CA_CSR_KEY_REFUSED: { status: 400, message: 'The key type or size of the certificate signing request is not accepted.' },
  CA_CSR_SIGNATURE_INVALID: { status: 400, message: 'The signature of the certificate signing request does not verify.' },
  CA_CSR_EXTENSION_REFUSED: { status: 400, message: 'The certificate signing request asks for extensions that are not allowed.' },
  CA_DEVICE_CA_INVALID: { status: 500, message: 'The device certificate authority is not valid.' },

  // telemetry and MQTT (ingest, replay, commands)
  TELEMETRY_REJECTED: { status: 422, message: 'The telemetry message was rejected.' },
  TELEMETRY_CLIENT_CERT_REQUIRED: { status: 401, message: 'A valid device client certificate is required.' },
  TELEMETRY_INGEST_UNAVAILABLE: { status: 503, message: 'Telemetry could not be stored; retry later.' },
  TELEMETRY_COMMAND_DEVICE_NOT_FOUND: { status: 404, message: 'Not found.' },
  TELEMETRY_COMMAND_INVALID: { status: 400, message: 'The command is not valid.' },
  TELEMETRY_COMMAND_NOT_FOUND: { status: 404, message: 'Not found.' },
  MQTT_BROKER_START_FAILED: { status: 500, message: 'The MQTT listener could not start.' },

  // CA / TLS
  CA_NOT_INITIALIZED: { status: 500, message: 'The certificate authority is not initialized.' },
  CA_CERTIFICATE_INVALID: { status: 500, message: 'The certificate is not valid.' },
  TLS_MATERIAL_INVALID: { status: 500, message: 'The TLS certificate or key is not valid.' },

  // clinical (bindings, vitals, clinical alert rules and alerts)
  BINDING_NOT_FOUND: { status: 404, message: 'Binding not found.' },
  BINDING_OVERLAP: { status: 409, message: 'The device is already bound to a patient over part of this period.' },
  BINDING_ENDED: { status: 409, message: 'This binding has already ended.' },
  BINDING_INVALID: { status: 400, message: 'The binding is not valid.' },
  VITALS_NOT_FOUND: { status: 404, message: 'Not found.' },
  VITALS_QUERY_INVALID: { status: 400, message: 'The vitals query is not valid.' },
  ALERT_RULE_NOT_FOUND: { status: 404, message: 'Alert rule not found.' },
  ALERT_RULE_INVALID: { status: 400, message: 'The alert rule is not valid.' },
  CLINICAL_ALERT_NOT_FOUND: { status: 404, message: 'Clinical alert not found.' },
  CLINICAL_ALERT_STATE_CONFLICT: { status: 409, message: 'The clinical alert is not in a state that allows this.' },
  // fhir (FHIR R4 read API; answered as OperationOutcome)
  FHIR_SEARCH_INVALID: { status: 400, message: 'The FHIR search is not valid.' },
  FHIR_RESOURCE_NOT_FOUND: { status: 404, message: 'Resource not found.' },
  // alerts delivery (webhook, email, syslog) and usage reports
  ALERTS_CHANNEL_INVALID: { status: 400, message: 'The alert channel is not valid.' },
  ALERTS_CHANNEL_NOT_FOUND: { status: 404, message: 'Not found.' },
  ALERTS_DEAD_LETTER_NOT_FOUND: { status: 404, message: 'Not found.' },
  ALERTS_DEAD_LETTER_RESOLVED: { status: 409, message: 'This dead letter was already delivered.' },
  USAGE_RANGE_INVALID: { status: 400, message: 'The time range of the report is not valid.' },
  // security monitoring (alerts/security)
  SECURITY_ALERT_NOT_FOUND: { status: 404, message: 'Not found.' },
  SECURITY_ALERT_STATE: { status: 409, message: 'The alert is not in a state that allows this.' },
  SECURITY_ALERT_ASSIGNEE_INVALID: { status: 400, message: 'The assignee is not an active user of the organization.' },
  // compliance (audits, findings, change control, risks, vulnerabilities, reports)
  COMPLIANCE_RUN_NOT_FOUND: { status: 404, message: 'Not found.' },
  COMPLIANCE_FINDING_NOT_FOUND: { status: 404, message: 'Not found.' },
  COMPLIANCE_FINDING_STATE: { status: 409, message: 'The finding is not in a state that allows this.' },
  COMPLIANCE_SUPPRESSION_INVALID: { status: 400, message: 'A suppression needs a reason, an owner and a future expiry.' },
  COMPLIANCE_CHANGE_NOT_FOUND: { status: 404, message: 'Not found.' },
  COMPLIANCE_CHANGE_STATE: { status: 409, message: 'The change request is not in a state that allows this.' },
  COMPLIANCE_CHANGE_SELF_APPROVAL: { status: 403, message: 'A change request must be approved by someone other than its requester.' },
  COMPLIANCE_STEP_UP_REQUIRED: { status: 403, message: 'Confirm with your second factor again to do this.' },
  COMPLIANCE_CHANGE_REQUIRED: { status: 403, message: 'This change needs an approved change request.' },
  COMPLIANCE_CHANGE_INVALID: { status: 400, message: 'The change request is not valid.' },
  COMPLIANCE_RISK_NOT_FOUND: { status: 404, message: 'Not found.' },
  COMPLIANCE_RISK_INVALID: { status: 400, message: 'The risk is not valid.' },
  COMPLIANCE_FEED_INVALID: { status: 400, message: 'The advisory feed is not valid; nothing was imported.' },
  COMPLIANCE_VEX_INVALID: { status: 400, message: 'The VEX statement is not valid.' },
  COMPLIANCE_SBOM_UNAVAILABLE: { status: 503, message: 'The software bill of materials is not available.' },
  COMPLIANCE_REPORT_INVALID: { status: 400, message: 'The compliance report failed verification.' },
  // updates (firmware releases, SBOMs, TUF repository)
  UPDATES_SBOM_INVALID: { status: 400, message: 'The SBOM is refused.' },
  UPDATES_VERSION_INVALID: { status: 400, message: 'The version is not a valid semantic version.' },
  UPDATES_VERSION_BELOW_MINIMUM: { status: 409, message: 'The version is below the minimum version of a published release.' },
  UPDATES_TARGET_NAME_INVALID: { status: 400, message: 'The target name is not valid.' },
  UPDATES_SUPPORT_DATES_INVALID: { status: 400, message: 'The support end and end-of-life dates are required and must be valid.' },
  UPDATES_IMAGE_TOO_LARGE: { status: 413, message: 'The image is larger than the limit for this model.' },
  UPDATES_IMAGE_NOT_FOUND: { status: 404, message: 'No uploaded image has this SHA-256.' },
  UPDATES_IMAGE_MODEL_MISMATCH: { status: 409, message: 'This image was uploaded for another model.' },
  UPDATES_RELEASE_EXISTS: { status: 409, message: 'This version of the model is already published.' },
  UPDATES_RELEASE_NOT_FOUND: { status: 404, message: 'Release not found.' },
  UPDATES_TUF_NOT_INITIALIZED: { status: 503, message: 'The update repository has no trusted root yet.' },
  UPDATES_TUF_ROOT_INVALID: { status: 400, message: 'The root metadata is not valid.' },
  UPDATES_TUF_EXPIRED: { status: 503, message: 'The update metadata has expired and could not be refreshed.' },
  UPDATES_ATTESTATION_INVALID: { status: 400, message: 'The firmware attestation is not valid.' },
  UPDATES_ROLLOUT_INVALID: { status: 400, message: 'The rollout is not valid.' },
  UPDATES_ROLLOUT_NOT_FOUND: { status: 404, message: 'Rollout not found.' },
  UPDATES_ROLLOUT_STATE: { status: 409, message: 'The rollout is not in a state that allows this.' },
  UPDATES_ROLLOUT_APPROVAL_REFUSED: { status: 403, message: 'The rollout approval is refused.' },
  UPDATES_ROLLOUT_OVERLAP: { status: 409, message: 'Another rollout already targets these devices.' },
  // incidents (incident response)
  INCIDENT_NOT_FOUND: { status: 404, message: 'Not found.' },
  INCIDENT_INVALID: { status: 400, message: 'The incident is not valid.' },
  INCIDENT_STATE: { status: 409, message: 'The incident is not in a state that allows this.' },
  INCIDENT_PLAYBOOK_NOT_FOUND: { status: 400, message: 'Unknown playbook.' },
  INCIDENT_PLAYBOOK_INVALID: { status: 400, message: 'The playbook is not valid.' },
  INCIDENT_STEP_NOT_FOUND: { status: 404, message: 'Not found.' },
  INCIDENT_STEP_DONE: { status: 409, message: 'This step is already done.' },
  INCIDENT_ALERT_NOT_FOUND: { status: 400, message: 'An alert to link was not found.' },
  INCIDENT_USER_INVALID: { status: 400, message: 'A commander or responder is not an active user of the organization.' },
  INCIDENT_ACTION_UNAVAILABLE: { status: 501, message: 'This action is not available.' },
  INCIDENT_APPROVAL_REQUIRED: { status: 403, message: 'A second person must approve this action.' },
  INCIDENT_STEP_UP_REQUIRED: { status: 403, message: 'This action needs a fresh second-factor code.' },
  INCIDENT_TEMPLATE_INVALID: { status: 400, message: 'The notice template is not valid.' },
  INCIDENT_RECIPIENT_UNKNOWN: { status: 400, message: 'The recipient is not in the organization contact directory.' },
  INCIDENT_OBLIGATION_NOT_FOUND: { status: 404, message: 'Not found.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
