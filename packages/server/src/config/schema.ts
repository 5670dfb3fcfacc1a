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

// --- security monitoring (issue 6): detector setting builders ---
function count(value: number) {
  return Type.Integer({ minimum: 1, maximum: 1_000_000, default: value });
}
function seconds(value: number) {
  return Type.Integer({ minimum: 1, maximum: 30 * 86_400, default: value });
}
function detector<P extends Record<string, Parameters<typeof Type.Object>[0][string]>>(properties: P, description: string) {
  return Type.Object({ enabled: Type.Boolean({ default: true }), ...properties }, { additionalProperties: false, default: {}, description });
}

// --- backups (issue 12): a recovery objective of one data class ---
function objective(rtoMinutes: number, rpoMinutes: number) {
  return Type.Object(
    { rtoMinutes: Type.Integer({ minimum: 1, maximum: 525_600, default: rtoMinutes }), rpoMinutes: Type.Integer({ minimum: 1, maximum: 525_600, default: rpoMinutes }) },
    { additionalProperties: false, default: {} },
  );
}

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
        publicBaseUrl: Type.Optional(
          Type.String({
            pattern: '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$|^https://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$',
            maxLength: 2000,
            description:
              "The URL clients reach Vigil at (e.g. https://vigil.example.org, behind a proxy); FHIR Bundle and CapabilityStatement links are built on it, never on a request's Host header. Unset: https://<host>:<httpPort>.",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    audit: Type.Object(
      {
        checkpointEvery: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Signed checkpoint every N events.' }),
        checkpointIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Signed checkpoint at least this often (if new events).' }),
        witnessFile: Type.String({
          default: '',
          description: 'File each signed checkpoint is also appended to (JSON lines); empty: <data-dir>/audit-witness.jsonl. Put it on other storage.',
        }),
        witnessSyslog: Type.Optional(
          Type.Object(
            {
              host: Type.String({ minLength: 1, maxLength: 253, description: 'Syslog collector the audit checkpoints are also sent to.' }),
              port: Type.Integer({ minimum: 1, maximum: 65_535, description: 'Its port.' }),
              transport: Type.Union([Type.Literal('tls'), Type.Literal('tcp')], { default: 'tls', description: 'tls (RFC 5425) or tcp (needs insecure).' }),
              facility: Type.Integer({ minimum: 0, maximum: 23, default: 10, description: 'RFC 5424 facility.' }),
              caFile: Type.Optional(Type.String({ minLength: 1, description: "PEM of the collector's CA (default: the system's)." })),
              insecure: Type.Boolean({ default: false, description: 'Allow plain TCP.' }),
              timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000, description: 'Give up a send after this long.' }),
            },
            { additionalProperties: false, description: 'Syslog (RFC 5424) collector each signed checkpoint is also sent to.' },
          ),
        ),
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
        eventRetentionDays: Type.Integer({ minimum: 1, maximum: 36_500, default: 400, description: 'Device events (alarms, faults, notices) older than this are deleted (audited).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    passwords: Type.Object(
      {
        preset: Type.Union([Type.Literal('regular-change'), Type.Literal('nist')], {
          default: 'regular-change',
          description: "Password policy: 'regular-change' (90-day expiry, no reuse of the last 12) or 'nist' (SP 800-63B: no expiry, 15 characters or 8 with MFA).",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    login: Type.Object(
      {
        lockoutThreshold: Type.Integer({ minimum: 3, maximum: 20, default: 5, description: 'Consecutive failed logins that lock an account.' }),
        lockoutBaseSeconds: Type.Integer({ minimum: 10, maximum: 3600, default: 60, description: 'First lock duration; it doubles with each further lock.' }),
        lockoutMaxSeconds: Type.Integer({ minimum: 60, maximum: 86_400, default: 3600, description: 'Longest lock duration.' }),
        rateLimitPerMinute: Type.Integer({ minimum: 5, maximum: 1000, default: 30, description: 'Requests per minute per source address to /api/v1/auth/*.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    sessions: Type.Object(
      {
        idleMinutes: Type.Integer({ minimum: 1, maximum: 120, default: 15, description: 'Automatic logoff after this much inactivity (HIPAA §164.312(a)(2)(iii)).' }),
        absoluteHours: Type.Integer({ minimum: 1, maximum: 24, default: 12, description: 'A session ends this long after sign-in, active or not.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    mqtt: Type.Object(
      {
        maxPacketBytes: Type.Integer({ minimum: 512, maximum: 1024 * 1024, default: 16 * 1024, description: 'Largest MQTT packet a device may send (bytes).' }),
        connectTimeoutMs: Type.Integer({ minimum: 1000, maximum: 120_000, default: 10_000, description: 'Time a device has to send CONNECT after the TLS handshake.' }),
        keepaliveLimitSeconds: Type.Integer({ minimum: 10, maximum: 3600, default: 600, description: 'Largest keepalive a device may ask for.' }),
        queueLimit: Type.Integer({ minimum: 1, maximum: 10_000, default: 42, description: 'Packets queued per connection before CONNECT completes.' }),
        messagesPerSecond: Type.Number({ minimum: 0.1, maximum: 10_000, default: 20, description: 'Sustained message rate per device (token bucket).' }),
        burst: Type.Integer({ minimum: 1, maximum: 100_000, default: 100, description: 'Message burst per device (token bucket size).' }),
        // --- storage faults and reconnect floods (issue 17, issue 11 item 5), see docs/storage-faults.md ---
        connectionsPerMinute: Type.Number({ minimum: 0.1, maximum: 10_000, default: 12, description: 'Sustained TLS connections per minute per device certificate; beyond it, connections are refused with back-off.' }),
        connectionBurst: Type.Integer({ minimum: 1, maximum: 100_000, default: 6, description: 'Connections per device certificate allowed at once before the per-minute rate applies.' }),
        sourceConnectionsPerMinute: Type.Number({ minimum: 1, maximum: 1_000_000, default: 1200, description: 'Sustained TLS connections per minute per source address (devices behind one NAT share it).' }),
        sourceConnectionBurst: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600, description: 'Connections per source address allowed at once.' }),
        connectionBackoffMaxSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 300, description: 'Longest block of a throttled certificate or source (blocks double from 60/rate seconds).' }),
        storageHoldSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 60, description: 'How long a publish waits, unacknowledged, for storage to recover before its connection is closed.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    telemetry: Type.Object(
      {
        timeWindowSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 300, description: 'Accepted clock difference between a reading and the server (each way).' }),
        groupCommitMs: Type.Integer({ minimum: 0, maximum: 1000, default: 2, description: 'Longest wait to gather a group commit (1-2 ms gave the ingest bench its best rate, about 5% above 5 ms; 0 commits every few messages and halves throughput).' }),
        groupCommitMaxMessages: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Largest group commit.' }),
        retentionDays: Type.Integer({ minimum: 1, maximum: 36_500, default: 400, description: 'Readings older than this are deleted (whole partitions on PostgreSQL).' }),
        signedModels: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { default: [], maxItems: 256, description: 'Device models whose telemetry must carry a valid ECDSA P-256 signature.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    // --- security monitoring (issue 6): detector settings, see docs/detection.md ---
    security: Type.Object(
      {
        detectors: Type.Object(
          {
            enabled: Type.Boolean({ default: true, description: 'Master switch for every security detector (events are stored either way).' }),
            bruteForce: detector({ failures: count(5), windowSeconds: seconds(300) }, 'Failed logins on one account.'),
            passwordSpray: detector({ accounts: count(5), windowSeconds: seconds(600) }, 'Failed logins on many accounts from one source.'),
            newSource: detector({ rememberedSources: count(8) }, "A login from a source address the user has not used."),
            bulkPhi: detector(
              { absoluteCap: count(50), baselineMultiplier: Type.Number({ minimum: 1, maximum: 100, default: 5 }), minimumBaseline: count(10), windowSeconds: seconds(3600) },
              'Distinct patients read by one user per window.',
            ),
            offHoursPhi: detector(
              { startHour: Type.Integer({ minimum: 0, maximum: 23, default: 6 }), endHour: Type.Integer({ minimum: 1, maximum: 24, default: 22 }), utcOffsetMinutes: Type.Integer({ minimum: -840, maximum: 840, default: 0 }) },
              'PHI reads outside working hours.',
            ),
            accessDenials: detector({ denials: count(10), windowSeconds: seconds(300) }, 'Repeated access denials for one user.'),
            privilegeEscalation: detector(
              { privilegedRoles: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: ['platform-admin', 'org-admin', 'security-officer'], maxItems: 16 }) },
              'A privileged role granted, or MFA removed.',
            ),
            breakGlass: detector({ windowSeconds: seconds(3600) }, 'Every break-glass use.'),
            disabledAccountToken: detector({}, "A disabled account's session token used."),
            deviceAuthFailures: detector({ failures: count(5), windowSeconds: seconds(300) }, 'Device authentication failures.'),
            deviceMessageRate: detector(
              { minMessagesPerMinute: count(300), multiplier: Type.Number({ minimum: 1, maximum: 1000, default: 5 }), rateLimitedRefusals: count(1) },
              "Messages per minute vs the device's rolling baseline.",
            ),
            deviceMessageSize: detector(
              { minBytes: count(4096), multiplier: Type.Number({ minimum: 1, maximum: 1000, default: 4 }), warmupMessages: count(20) },
              "Message size vs the device's rolling average.",
            ),
            deviceSourceChange: detector({}, "A device connecting from another source address."),
            deviceFlapping: detector({ connects: count(10), windowSeconds: seconds(600) }, 'Frequent connects and disconnects.'),
            deviceAcl: detector({}, 'Topic ACL violations.'),
            deviceCertificate: detector({}, 'Revoked, expired or foreign certificates connecting.'),
            deviceReplay: detector({ windowSeconds: seconds(600) }, 'Replayed, stale or forged messages.'),
            deviceFirmware: detector({}, 'Reported firmware hash differs from the expected one.'),
            deviceSilence: detector(
              {
                defaultIntervalSeconds: seconds(900),
                checkEverySeconds: seconds(60),
                models: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Integer({ minimum: 10, maximum: 30 * 86_400 }), { default: {} }),
              },
              "A device not heard from for longer than its model's interval.",
            ),
          },
          { additionalProperties: false, default: {} },
        ),
        // --- reconnect floods (issue 11 item 5): the security-event store, see docs/storage-faults.md ---
        events: Type.Object(
          {
            aggregateWindowSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 60, description: 'Repeated info-level security events (same type, reason, organization, user, device, source) within this window are stored as the first one plus one counted row; 0 stores each.' }),
            retentionDays: Type.Integer({ minimum: 1, maximum: 36_500, default: 400, description: 'Security events older than this are deleted (audited).' }),
            maxRows: Type.Integer({ minimum: 1000, maximum: 1_000_000_000, default: 2_000_000, description: 'Most security events kept; beyond it the oldest (info first) are deleted and a platform alert is raised.' }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    // --- alert delivery (issue 11 item 4): operator-level outbound address policy ---
    delivery: Type.Object(
      {
        allowedTargets: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
          default: [],
          maxItems: 64,
          description:
            'CIDR ranges (or addresses) that alert channels may reach although they are loopback, private, link-local or unique-local: on-premises webhook, SMTP and syslog receivers. Empty: only public addresses.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // --- emergency mode (issue 12), see docs/backup.md ---
    emergency: Type.Object(
      { readOnly: Type.Boolean({ default: false, description: 'Emergency read-only mode: clinicians read; writes and device ingest are refused (or `vigil start --emergency-read-only`).' }) },
      { additionalProperties: false, default: {} },
    ),
    // --- backups and disaster recovery (issue 12), see docs/backup.md ---
    backup: Type.Object(
      {
        targets: Type.Array(
          Type.Union([
            Type.Object({ kind: Type.Literal('directory'), path: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
            Type.Object(
              {
                kind: Type.Literal('s3'),
                bucket: Type.String({ minLength: 3, maxLength: 63 }),
                prefix: Type.String({ maxLength: 256, default: '' }),
                endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
                region: Type.String({ minLength: 1, default: 'us-east-1' }),
                forcePathStyle: Type.Boolean({ default: false }),
                objectLock: Type.Union([Type.Literal('compliance'), Type.Literal('governance'), Type.Literal('off')], { default: 'compliance' }),
              },
              { additionalProperties: false },
            ),
          ]),
          { default: [], maxItems: 8, description: 'Where backups go: local/mounted directories and S3-compatible buckets (credentials from the AWS_* environment).' },
        ),
        schedule: Type.String({ minLength: 3, maxLength: 64, default: '0 * * * *', description: 'Cron schedule of backups (UTC); "off" disables the job.' }),
        retention: Type.Object(
          {
            hourly: Type.Integer({ minimum: 0, maximum: 1000, default: 24 }),
            daily: Type.Integer({ minimum: 0, maximum: 1000, default: 14 }),
            weekly: Type.Integer({ minimum: 0, maximum: 1000, default: 8 }),
            monthly: Type.Integer({ minimum: 0, maximum: 1000, default: 12 }),
          },
          { additionalProperties: false, default: {}, description: 'Grandfather-father-son retention: backups kept per tier.' },
        ),
        drillSchedule: Type.String({ minLength: 3, maxLength: 64, default: '0 3 1 1,4,7,10 *', description: 'Cron schedule of DR drills (UTC, quarterly by default); "off" disables it.' }),
        ageBinary: Type.String({
          minLength: 1,
          maxLength: 256,
          default: 'auto',
          description:
            'How the database part is encrypted, and decrypted by verify, restore, browse and drills (same age format either way): "auto" uses Debian\'s `age` tool when it is at /usr/bin/age or /usr/local/bin/age (several times faster) and the built-in age-encryption library otherwise; "library" always uses the library; an absolute path names the `age` tool to use.',
        }),
        drillOverdueDays: Type.Integer({ minimum: 1, maximum: 3650, default: 100, description: 'A drill older than this raises an alert.' }),
        objectives: Type.Object(
          {
            phi: objective(240, 60),
            telemetry: objective(240, 60),
            audit: objective(240, 60),
            keys: objective(60, 1440),
            config: objective(60, 1440),
          },
          { additionalProperties: false, default: {}, description: 'Recovery time and point objectives (minutes) per data class, which drill reports compare against.' },
        ),
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
