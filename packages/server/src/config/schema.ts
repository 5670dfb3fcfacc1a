/**
 * The one configuration schema. Every value Vigil reads at start-up is described here.
 *
 * MUST: unknown keys are rejected (additionalProperties: false at every level).
 * MUST: secrets (the master key) are never part of this object; they come from the environment only.
 * MUST: a value that weakens security is refused by `checkInsecure` unless its explicit
 *       `insecure.*` flag is set, and then a warning is printed.
 */
import Type, { type Static } from 'typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './vigil-data', description: 'Data directory: database, keys, CA.' }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address the HTTPS and MQTT listeners bind to.' }),
    httpPort: { ...Port, default: 8443, description: 'HTTPS port (REST API, FHIR, console).' },
    mqttPort: { ...Port, default: 8883, description: 'MQTT over TLS port.' },
    databaseUrl: Type.Optional(
      Type.String({ pattern: '^postgres(ql)?://', description: 'PostgreSQL URL. Unset: SQLite in the data directory.' }),
    ),
    logLevel: Type.Union(
      [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
      { default: 'info', description: 'Log level.' },
    ),
    tls: Type.Object(
      {
        certFile: Type.Optional(Type.String({ minLength: 1, description: "Operator's own HTTPS certificate (PEM, with chain)." })),
        keyFile: Type.Optional(Type.String({ minLength: 1, description: "Operator's own HTTPS private key (PEM)." })),
        hostnames: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
          default: [],
          maxItems: 32,
          description: 'Extra DNS names or IPs for the certificate Vigil issues itself.',
        }),
        minVersion: Type.String({ default: 'TLSv1.2', description: 'Lowest TLS version: TLSv1.2 or TLSv1.3.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024, description: 'Largest request body.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    audit: Type.Object(
      {
        checkpointEvery: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Signed checkpoint every N events.' }),
        checkpointIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Signed checkpoint at least this often (if new events).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    setup: Type.Object(
      {
        credentialTtlMinutes: Type.Integer({ minimum: 5, maximum: 7 * 24 * 60, default: 24 * 60, description: 'Lifetime of the first-admin setup credential.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    patients: Type.Object(
      {
        breakGlassMinutes: Type.Integer({ minimum: 5, maximum: 24 * 60, default: 60, description: 'Lifetime of a break-glass grant to one patient.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Object(
      {
        certificateValidityDays: Type.Integer({ minimum: 1, maximum: 825, default: 90, description: 'Lifetime of a device certificate; devices renew before it ends.' }),
        enrollmentTokenTtlMinutes: Type.Integer({ minimum: 1, maximum: 7 * 24 * 60, default: 60, description: 'Default lifetime of a device enrolment token.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    insecure: Type.Object(
      {
        allowPlaintextDatabase: Type.Boolean({ default: false, description: 'Allow a PostgreSQL URL to a non-loopback host without sslmode=require/verify-full.' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
