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
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TelemetryTables {}

export interface Database extends IdentityTables, PatientTables, DeviceTables, TelemetryTables {
  audit_events: AuditEventsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_head: AuditHeadTable;
  setup_credentials: SetupCredentialsTable;
  system_meta: SystemMetaTable;
}
