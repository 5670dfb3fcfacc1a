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
  // config
  CONFIG_INVALID: { status: 500, message: 'The configuration is not valid.' },
  CONFIG_INSECURE: { status: 500, message: 'The configuration is insecure.' },
  // storage
  STORAGE_UNAVAILABLE: { status: 503, message: 'Storage is unavailable.' },
  STORAGE_MIGRATION_FAILED: { status: 500, message: 'A database migration failed.' },
  STORAGE_CONFLICT: { status: 409, message: 'The resource was changed concurrently.' },
  // keys
  KEYS_MASTER_KEY_MISSING: { status: 500, message: 'The master key is missing.' },
  KEYS_MASTER_KEY_INVALID: { status: 500, message: 'The master key is not valid.' },
  KEYS_MASTER_KEY_WRONG: { status: 500, message: 'The master key does not open this key store.' },
  KEYS_STORE_CORRUPT: { status: 500, message: 'The key store is damaged.' },
  KEYS_KEY_NOT_FOUND: { status: 500, message: 'A required key is missing.' },
  KEYS_CIPHERTEXT_INVALID: { status: 500, message: 'Sealed data could not be opened.' },
  KEYS_SIGNATURE_INVALID: { status: 400, message: 'The signature is not valid.' },
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
  // identity (users, passwords, sessions, MFA, tokens)

  // access

  // patients (PHI, training, care teams, break-glass)

  // devices (registry, enrolment, device CA, revocation)

  // telemetry and MQTT (ingest, replay, commands)
  TELEMETRY_REJECTED: { status: 422, message: 'The telemetry message was rejected.' },
  TELEMETRY_CLIENT_CERT_REQUIRED: { status: 401, message: 'A valid device client certificate is required.' },
  TELEMETRY_INGEST_UNAVAILABLE: { status: 503, message: 'Telemetry could not be stored; retry later.' },
  TELEMETRY_COMMAND_DEVICE_NOT_FOUND: { status: 404, message: 'Not found.' },
  TELEMETRY_COMMAND_INVALID: { status: 400, message: 'The command is not valid.' },
  MQTT_BROKER_START_FAILED: { status: 500, message: 'The MQTT listener could not start.' },

  // CA / TLS
  CA_NOT_INITIALIZED: { status: 500, message: 'The certificate authority is not initialized.' },
  CA_CERTIFICATE_INVALID: { status: 500, message: 'The certificate is not valid.' },
  TLS_MATERIAL_INVALID: { status: 500, message: 'The TLS certificate or key is not valid.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}
