/**
 * Where configuration comes from, lowest precedence first: schema defaults, an optional
 * JSON file (`--config FILE` or VIGIL_CONFIG), VIGIL_* environment variables, then flags.
 * Each environment variable maps to one path; the table is also the README's settings table.
 */
export type ValueKind = 'string' | 'integer' | 'boolean' | 'list';

export interface EnvSetting {
  readonly env: string;
  readonly path: readonly string[];
  readonly kind: ValueKind;
}

export const ENV_SETTINGS: readonly EnvSetting[] = [
  { env: 'VIGIL_DATA_DIR', path: ['dataDir'], kind: 'string' },
  { env: 'VIGIL_HOST', path: ['host'], kind: 'string' },
  { env: 'VIGIL_HTTP_PORT', path: ['httpPort'], kind: 'integer' },
  { env: 'VIGIL_MQTT_PORT', path: ['mqttPort'], kind: 'integer' },
  { env: 'VIGIL_DATABASE_URL', path: ['databaseUrl'], kind: 'string' },
  { env: 'VIGIL_LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { env: 'VIGIL_TLS_CERT_FILE', path: ['tls', 'certFile'], kind: 'string' },
  { env: 'VIGIL_TLS_KEY_FILE', path: ['tls', 'keyFile'], kind: 'string' },
  { env: 'VIGIL_TLS_HOSTNAMES', path: ['tls', 'hostnames'], kind: 'list' },
  { env: 'VIGIL_TLS_MIN_VERSION', path: ['tls', 'minVersion'], kind: 'string' },
  { env: 'VIGIL_HTTP_BODY_LIMIT_BYTES', path: ['http', 'bodyLimitBytes'], kind: 'integer' },
  { env: 'VIGIL_PUBLIC_BASE_URL', path: ['http', 'publicBaseUrl'], kind: 'string' },
  { env: 'VIGIL_AUDIT_CHECKPOINT_EVERY', path: ['audit', 'checkpointEvery'], kind: 'integer' },
  { env: 'VIGIL_AUDIT_CHECKPOINT_INTERVAL_SECONDS', path: ['audit', 'checkpointIntervalSeconds'], kind: 'integer' },
  { env: 'VIGIL_AUDIT_WITNESS_FILE', path: ['audit', 'witnessFile'], kind: 'string' },
  { env: 'VIGIL_SETUP_CREDENTIAL_TTL_MINUTES', path: ['setup', 'credentialTtlMinutes'], kind: 'integer' },
  { env: 'VIGIL_PATIENTS_BREAK_GLASS_MINUTES', path: ['patients', 'breakGlassMinutes'], kind: 'integer' },
  { env: 'VIGIL_PASSWORDS_PRESET', path: ['passwords', 'preset'], kind: 'string' },
  { env: 'VIGIL_LOGIN_LOCKOUT_THRESHOLD', path: ['login', 'lockoutThreshold'], kind: 'integer' },
  { env: 'VIGIL_LOGIN_LOCKOUT_BASE_SECONDS', path: ['login', 'lockoutBaseSeconds'], kind: 'integer' },
  { env: 'VIGIL_LOGIN_LOCKOUT_MAX_SECONDS', path: ['login', 'lockoutMaxSeconds'], kind: 'integer' },
  { env: 'VIGIL_LOGIN_RATE_LIMIT_PER_MINUTE', path: ['login', 'rateLimitPerMinute'], kind: 'integer' },
  { env: 'VIGIL_SESSIONS_IDLE_MINUTES', path: ['sessions', 'idleMinutes'], kind: 'integer' },
  { env: 'VIGIL_SESSIONS_ABSOLUTE_HOURS', path: ['sessions', 'absoluteHours'], kind: 'integer' },
  { env: 'VIGIL_DELIVERY_ALLOWED_TARGETS', path: ['delivery', 'allowedTargets'], kind: 'list' },
  { env: 'VIGIL_EMERGENCY_READ_ONLY', path: ['emergency', 'readOnly'], kind: 'boolean' },
  { env: 'VIGIL_BACKUP_SCHEDULE', path: ['backup', 'schedule'], kind: 'string' },
  { env: 'VIGIL_BACKUP_DRILL_SCHEDULE', path: ['backup', 'drillSchedule'], kind: 'string' },
  { env: 'VIGIL_INSECURE_ALLOW_PLAINTEXT_DATABASE', path: ['insecure', 'allowPlaintextDatabase'], kind: 'boolean' },
];

/** Environment variables that are read elsewhere and are not configuration keys. */
export const NON_CONFIG_ENV: readonly string[] = [
  'VIGIL_CONFIG', // path of the config file
  'VIGIL_MASTER_KEY', // secret: read by keys/, never stored in the config object
  'VIGIL_BACKUP_DIR', // a local backup target added to backup.targets (docs/backup.md)
  'VIGIL_BACKUP_OBJECT_LOCK', // "off" for `--from s3://…` buckets without Object Lock (docs/backup.md)
  'VIGIL_METRICS_TOKEN', // secret: bearer token for GET /metrics; only its SHA-256 is kept (main.ts)
];

/** Prefix reserved for the test suite (e.g. VIGIL_TEST_DATABASE_URL); never read at run time. */
export const TEST_ENV_PREFIX = 'VIGIL_TEST_';
