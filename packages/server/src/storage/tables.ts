/**
 * Row shapes of every table, as kysely sees them. Both adapters share this schema;
 * migrations/ creates it on each dialect. Times are ISO-8601 UTC strings.
 */

export interface AuditEventsTable {
  seq: number;
  event_id: string;
  time: string;
  actor_kind: string;
  actor_id: string;
  org_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  outcome: string;
  reason: string | null;
  request_id: string;
  source: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  time: string;
  key_id: string;
  signature: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  checkpoint_seq: number;
  checkpoint_time: string | null;
}

export interface SetupCredentialsTable {
  id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

export interface SystemMetaTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Tables of identity and access (users, sessions, MFA, service tokens). Booleans are 0/1. */
export interface IdentityTables {
  organizations: { id: string; name: string; name_key: string; created_at: string };
  users: {
    id: string;
    org_id: string;
    username: string;
    username_key: string;
    display_name: string;
    /** JSON array of role names. */
    roles: string;
    status: string;
    password_hash: string;
    password_changed_at: string;
    must_change_password: number;
    failed_count: number;
    lock_level: number;
    locked_until: string | null;
    last_login_at: string | null;
    created_at: string;
    totp_secret_sealed: string | null;
    totp_confirmed_at: string | null;
    totp_last_step: number | null;
  };
  password_history: { id: string; org_id: string; user_id: string; password_hash: string; created_at: string };
  sessions: {
    id: string;
    token_hash: string;
    user_id: string;
    org_id: string;
    kind: string;
    state: string;
    mfa: number;
    created_at: string;
    last_seen_at: string;
    idle_expires_at: string;
    absolute_expires_at: string;
    revoked_at: string | null;
    revoked_reason: string | null;
    challenge: string | null;
  };
  webauthn_credentials: {
    id: string;
    org_id: string;
    user_id: string;
    credential_id: string;
    public_key: string;
    counter: number;
    transports: string;
    created_at: string;
  };
  recovery_codes: { id: string; org_id: string; user_id: string; code_hash: string; created_at: string; used_at: string | null };
  service_accounts: {
    id: string;
    org_id: string;
    name: string;
    /** JSON array of permission names. */
    scopes: string;
    token_hash: string;
    created_at: string;
    expires_at: string;
    revoked_at: string | null;
  };
}

/** Tables of patients (PHI, sealed), training attestations, care teams and break-glass grants. */
export interface PatientTables {
  patients: PatientsTable;
  care_team_members: CareTeamMembersTable;
  training_records: TrainingRecordsTable;
  break_glass_grants: BreakGlassGrantsTable;
  security_events: SecurityEventsTable;
}

/** One patient; every PHI column holds a Sealer string (v1.<kek>...), never plain text. */
export interface PatientsTable {
  id: string;
  org_id: string;
  /** Keyed hash (HMAC-SHA-256) of (org id, normalized MRN); unique per organization. */
  mrn_index: string;
  mrn_sealed: string;
  given_name_sealed: string;
  family_name_sealed: string;
  birth_date_sealed: string;
  sex_sealed: string;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface CareTeamMembersTable {
  org_id: string;
  patient_id: string;
  user_id: string;
  role: string;
  added_at: string;
  added_by: string;
}

export interface TrainingRecordsTable {
  id: string;
  org_id: string;
  user_id: string;
  course: string;
  completed_at: string;
  expires_at: string;
  recorded_at: string;
  recorded_by: string;
}

export interface BreakGlassGrantsTable {
  id: string;
  org_id: string;
  patient_id: string;
  user_id: string;
  reason_sealed: string;
  reason_hash: string;
  granted_at: string;
  expires_at: string;
  review_outcome: string | null;
  review_note_sealed: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

/** The durable security-event stream (seeded by patients' break-glass; detectors read it later). */
export interface SecurityEventsTable {
  id: string;
  time: string;
  type: string;
  severity: string;
  reason: string;
  org_id: string | null;
  user_id: string | null;
  device_id: string | null;
  patient_id: string | null;
  source: string | null;
  request_id: string | null;
  /** JSON object of small primitive values. */
  details: string;
}

/** Tables of devices, enrolment tokens, device certificates and revocations. */
export interface DeviceTables {
  devices: DevicesTable;
  device_enrollment_tokens: DeviceEnrollmentTokensTable;
  device_certificates: DeviceCertificatesTable;
}

export interface DevicesTable {
  id: string;
  org_id: string;
  model: string;
  serial: string;
  udi: string | null;
  firmware_version: string | null;
  status: string;
  status_reason: string | null;
  status_changed_at: string;
  /** JSON array of group names. */
  groups: string;
  created_at: string;
  last_seen_at: string | null;
  last_seen_address: string | null;
  cert_serial: string | null;
  cert_not_after: string | null;
  cert_fingerprint: string | null;
  /** The device's site code (0031); NULL: none. */
  site: string | null;
}

export interface DeviceEnrollmentTokensTable {
  id: string;
  org_id: string;
  model: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string;
  consumed_at: string | null;
  device_id: string | null;
}

export interface DeviceCertificatesTable {
  serial: string;
  org_id: string;
  device_id: string;
  fingerprint: string;
  not_before: string;
  not_after: string;
  issued_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
}

/** Tables of telemetry (readings, per-device sequence state) and device commands. */
export interface TelemetryTables {
  telemetry_readings: TelemetryReadingsTable;
  telemetry_minute_rollups: TelemetryMinuteRollupsTable;
  telemetry_device_state: TelemetryDeviceStateTable;
  device_commands: DeviceCommandsTable;
  sealed_data_keys: SealedDataKeysTable;
  telemetry_rollup_blocks: TelemetryRollupBlocksTable;
  telemetry_value_batches: TelemetryValueBatchesTable;
}

/** The sealed values of one group commit's readings of one organization (0024, telemetry/value-batches.ts). */
export interface TelemetryValueBatchesTable {
  id: string;
  org_id: string;
  /** The latest measured_at of its readings: retention deletes the block with its last reading. */
  last_measured_at: string;
  sealed: Buffer;
}

/** Per-minute aggregates of one patient's metric (0010); `minute` is ISO-8601 with zero seconds. */
export interface TelemetryMinuteRollupsTable {
  org_id: string;
  patient_id: string;
  metric: string;
  minute: string;
  min_value: number;
  max_value: number;
  sum_value: number;
  n: number;
}

/** The minute rollups of one hour, sealed as one block (0014, storage/stores/rollup-blocks.ts). */
export interface TelemetryRollupBlocksTable {
  org_id: string;
  patient_id: string;
  metric: string;
  hour: string;
  /** Total count of the block, in clear: the optimistic version, and authenticated in the context. */
  n: number;
  sealed: Buffer;
}

/** One row per reading; a message's digest sits on its first reading (idx 0) for deduplication. */
export interface TelemetryReadingsTable {
  org_id: string;
  device_id: string;
  /** Null until device-to-patient bindings exist. */
  patient_id: string | null;
  seq: number;
  idx: number;
  metric: string;
  /** Plaintext (before 0014, or without sealing); NULL when `value_sealed` holds it. */
  value: number | null;
  /** BulkSealer output (0014), or a reference into telemetry_value_batches (0024). */
  value_sealed: Buffer | null;
  unit: string;
  measured_at: string;
  received_at: string;
  digest: string | null;
}

/** A BulkSealer data key, wrapped under a KEK (0014). */
export interface SealedDataKeysTable {
  id: string;
  kek_id: string;
  wrapped: Buffer;
  created_at: string;
}

export interface TelemetryDeviceStateTable {
  device_id: string;
  org_id: string;
  last_seq: number;
  last_measured_at: string;
  updated_at: string;
}

export interface DeviceCommandsTable {
  id: string;
  org_id: string;
  device_id: string;
  name: string;
  args: string;
  nonce: string;
  issued_at: string;
  expires_at: string;
  status: string;
  issued_by: string;
  delivered_at: string | null;
  acked_at: string | null;
  ack_reason: string | null;
}

/** Tables of clinical data: bindings, alert rules, clinical alerts (0006). */
export interface ClinicalTables {
  patient_bindings: PatientBindingsTable;
  clinical_alert_rules: ClinicalAlertRulesTable;
  clinical_alerts: ClinicalAlertsTable;
}

export interface PatientBindingsTable {
  id: string;
  org_id: string;
  device_id: string;
  patient_id: string;
  start_at: string;
  end_at: string | null;
  created_at: string;
  created_by: string;
  ended_by: string | null;
}

export interface ClinicalAlertRulesTable {
  id: string;
  org_id: string;
  patient_id: string | null;
  metric: string;
  comparison: string;
  value: number;
  duration_seconds: number;
  severity: string;
  /** 1 or 0 (SQLite has no boolean). */
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface ClinicalAlertsTable {
  id: string;
  org_id: string;
  patient_id: string;
  rule_id: string;
  metric: string;
  comparison: string;
  threshold: number;
  /** Plaintext (before 0014); NULL when `value_sealed` holds it. */
  value: number | null;
  /** Sealer string (0014). */
  value_sealed: string | null;
  severity: string;
  status: string;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

/** Tables of security alert delivery and usage tracking (0008). Booleans are 0/1. */
export interface DeliveryUsageTables {
  alert_channels: {
    id: string;
    org_id: string;
    kind: string;
    name: string;
    enabled: number;
    min_severity: string;
    target: string;
    config: string;
    sealed_secrets: string | null;
    created_at: string;
    created_by: string;
  };
  alert_dead_letters: {
    id: string;
    org_id: string;
    channel_id: string;
    alert_id: string;
    payload: string;
    attempts: number;
    last_error: string;
    created_at: string;
    status: string;
    resolved_at: string | null;
  };
  /** Deliveries in flight (0015). */
  alert_outbox: {
    id: string;
    org_id: string;
    channel_id: string;
    alert_id: string;
    payload: string;
    attempts: number;
    next_attempt_at: string;
    lease_until: string | null;
    dead_letter_id: string | null;
    created_at: string;
  };
  /** Hourly API call counters by route pattern; '' for no org / no user. */
  usage_request_buckets: { hour: string; org_id: string; user_id: string; method: string; route: string; status_class: string; count: number };
}

export interface DisclosureTables {
  disclosures: {
    id: string;
    org_id: string;
    patient_id: string;
    disclosed_at: string;
    purpose: string;
    content_sealed: string;
    recorded_at: string;
    recorded_by: string;
  };
  disclosure_suspensions: {
    id: string;
    org_id: string;
    patient_id: string;
    agency: string;
    official: string | null;
    statement_kind: string;
    statement: string;
    starts_at: string;
    ends_at: string;
    recorded_at: string;
    recorded_by: string;
  };
}

export interface DeviceEventTables {
  device_events: {
    org_id: string;
    device_id: string;
    event_id: string;
    occurred_at: string;
    received_at: string;
    kind: string;
    code: string;
    severity: string;
  };
}

export interface Database extends DeviceEventTables, DisclosureTables, IdentityTables, PatientTables, DeviceTables, TelemetryTables, ClinicalTables, SecurityAlertTables, DeliveryUsageTables, BackupTables, ComplianceTables, UpdatesTables, IncidentTables {
  audit_events: AuditEventsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_head: AuditHeadTable;
  setup_credentials: SetupCredentialsTable;
  system_meta: SystemMetaTable;
}

/** Security alerts (issue 6, migration 0007). */
export interface SecurityAlertTables {
  security_alerts: SecurityAlertsTable;
}

export interface SecurityAlertsTable {
  id: string;
  /** null: a platform-level alert (no tenant known). */
  org_id: string | null;
  detector: string;
  severity: string;
  title: string;
  summary: string;
  subject_kind: string;
  subject_id: string;
  count: number;
  first_seen_at: string;
  last_seen_at: string;
  status: string;
  assignee: string | null;
  suppressed_reason: string | null;
  /** JSON array of {at, by, text}. */
  notes: string;
  /** JSON {securityEventIds, auditSeqs}. */
  evidence: string;
}

/** Backup runs (issue 12, migration 0016). */
export interface BackupTables {
  backup_runs: {
    id: string;
    kind: string;
    backup_id: string | null;
    target: string;
    started_at: string;
    finished_at: string;
    outcome: string;
    bytes: number | null;
    detail: string;
  };
}

/** Security audits, change requests, the risk register (issue 14, migration 0018). JSON columns are text. */
export interface ComplianceTables {
  compliance_runs: { id: string; cadence: string; started_at: string; finished_at: string; actor: string; results: string; counts: string };
  compliance_findings: {
    id: string;
    check_id: string;
    resource_type: string;
    resource_id: string;
    org_id: string | null;
    severity: string;
    status: string;
    detail: string;
    first_seen_at: string;
    last_seen_at: string;
    last_run_id: string;
    resolved_at: string | null;
    reopened_count: number;
    suppression: string | null;
    suppression_expires_at: string | null;
    mitigation: string | null;
    updated_at: string;
  };
  change_requests: {
    id: string;
    org_id: string | null;
    kind: string;
    target: string;
    payload: string;
    summary: string;
    status: string;
    emergency: number;
    requested_by: string;
    requested_at: string;
    decided_by: string | null;
    decided_at: string | null;
    decision_note: string | null;
    applied_at: string | null;
    review_due_at: string | null;
    reviewed_by: string | null;
    reviewed_at: string | null;
    audit_seqs: string;
  };
  vulnerability_feeds: { id: string; kind: string; source: string; feed_date: string; imported_at: string; imported_by: string; records: number };
  vulnerability_records: { kind: string; record_id: string; feed_id: string; body: string };
  vex_statements: { advisory_id: string; purl: string; state: string; justification: string; detail: string; made_by: string; made_at: string };
  compliance_risks: {
    id: string;
    title: string;
    threat: string;
    assets: string;
    likelihood: number;
    impact: number;
    residual_likelihood: number;
    residual_impact: number;
    controls: string;
    owner: string;
    review_at: string;
    source: string;
    updated_at: string;
  };
}

/** Firmware updates (issue 13, migration 0017). Booleans are 0/1; arrays and summaries are JSON text. */
export interface UpdatesTables {
  firmware_images: { sha256: string; sha512: string; length: number; model: string; uploaded_at: string; uploaded_by: string };
  firmware_releases: {
    id: string;
    model: string;
    version: string;
    min_version: string;
    hardware_revisions: string;
    notes: string;
    target_path: string;
    sha256: string;
    sha512: string;
    length: number;
    support_ends_at: string;
    end_of_life_at: string;
    sbom_summary: string;
    sbom: string;
    created_at: string;
    created_by: string;
  };
  firmware_model_policies: { model: string; max_image_bytes: number; require_attestation: number; quarantine_on_unknown_hash: number };
  tuf_metadata: { role: string; version: number; body: string; expires: string; created_at: string };
  device_attestations: {
    device_id: string;
    org_id: string;
    model: string;
    firmware_version: string;
    image_sha256: string;
    state: string;
    measured_at: string;
    received_at: string;
    quarantined_by_policy: number;
  };
  /** A campaign: the filterable columns, and the whole Campaign as JSON (`body`). */
  rollouts: { id: string; org_id: string; model: string; status: string; priority: number; body: string; created_at: string };
  rollout_devices: { campaign_id: string; device_id: string; wave: number; status: string; attempts: number; sent_at: string | null; updated_at: string };
  org_maintenance_windows: { org_id: string; days: string; start_hour: number; end_hour: number; updated_at: string; updated_by: string };
}

/** Incident response (issue 15, migration 0020). JSON columns are small and bounded. */
export interface IncidentTables {
  incidents: {
    id: string;
    org_id: string;
    title: string;
    type: string;
    severity: string;
    status: string;
    origin: string;
    commander_id: string | null;
    responder_ids: string;
    alert_ids: string;
    seeds: string;
    discovered_at: string;
    opened_at: string;
    updated_at: string;
    closed_at: string | null;
    playbook_id: string;
    playbook_version: number;
    checklist: string;
    /** keys/ Sealer text, bound to the incident. */
    notes_sealed: string | null;
  };
  incident_settings: { org_id: string; body: string };
  incident_playbooks: { org_id: string; id: string; version: number; body: string; created_at: string; created_by: string };
  incident_contacts: { id: string; org_id: string; name: string; kind: string; email: string | null };
  incident_obligations: {
    id: string;
    org_id: string;
    incident_id: string;
    obligation_id: string;
    rule: string;
    recipient: string;
    due_at: string | null;
    status: string;
    reason: string | null;
    opened_at: string;
    reminders_sent: string;
    overdue_alerted_at: string | null;
  };
  incident_notices: { id: string; org_id: string; incident_id: string; obligation_id: string; contact_id: string; channel: string; sent_at: string; sha256: string };
  incident_assessments: { incident_id: string; org_id: string; conclusion: string; sealed: string; at: string; by: string };
  incident_source_blocks: { id: string; org_id: string; incident_id: string; cidr: string; created_at: string; expires_at: string; created_by: string };
  incident_actions: {
    id: string;
    org_id: string;
    incident_id: string;
    kind: string;
    targets: string;
    status: string;
    requested_by: string;
    approved_by: string | null;
    created_at: string;
    completed_at: string | null;
    results: string;
    /** keys/ Sealer text, bound to the incident (0028). */
    reason_sealed: string | null;
    /** JSON: { hours?, group? } (0028). */
    options: string | null;
  };
}
