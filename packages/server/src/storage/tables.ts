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

/** Tables of identity and access (users, sessions, MFA, service tokens). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IdentityTables {}

/** Tables of patients (PHI, sealed), training attestations, care teams and break-glass grants. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PatientTables {}

/** Tables of devices, enrolment tokens, device certificates and revocations. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DeviceTables {}

/** Tables of telemetry (readings, per-device sequence state) and device commands. */
export interface TelemetryTables {
  telemetry_readings: TelemetryReadingsTable;
  telemetry_device_state: TelemetryDeviceStateTable;
  device_commands: DeviceCommandsTable;
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
  value: number;
  unit: string;
  measured_at: string;
  received_at: string;
  digest: string | null;
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

export interface Database extends IdentityTables, PatientTables, DeviceTables, TelemetryTables {
  audit_events: AuditEventsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_head: AuditHeadTable;
  setup_credentials: SetupCredentialsTable;
  system_meta: SystemMetaTable;
}
