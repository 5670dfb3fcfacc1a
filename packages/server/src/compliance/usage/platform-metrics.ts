/**
 * Prometheus metrics of the platform (prom-client), on a registry of our own: no global default
 * registry (ARCHITECTURE §2.6, no hidden state), so two servers in one process (tests) do not mix.
 *
 * MUST: labels are bounded and PHI-free: route patterns, status codes, coded reasons and event
 *       types; never URLs, user names, device or patient ids.
 * MUST: a source that fails during a scrape leaves its metric out; the scrape still answers.
 */
import { Counter, Gauge, Registry } from 'prom-client';

/** Read-only views of the other modules' counters, wired by main.ts. Every source is optional. */
export interface MetricsSources {
  /** IngestPipeline.counters: 'stored' and 'duplicate' (accepted) plus refusal reasons. */
  readonly ingest?: () => Record<string, number>;
  /** The broker's refusals per reason. */
  readonly brokerRefusals?: () => Record<string, number>;
  readonly brokerConnections?: () => number;
  readonly auditHeadSeq?: () => Promise<number>;
  /** Stored security events per type. */
  readonly securityEventsByType?: () => Promise<Record<string, number>>;
  // --- storage faults (issue 17) ---
  /** Failed queries and commits per storage-fault cause (disk-full, read-only, io-error, unreachable). */
  readonly storageFailures?: () => Record<string, number>;
  /** Whether the last commit succeeded (readiness's `storage` check). */
  readonly storageHealthy?: () => boolean;
  /** Devices with a publish waiting, unacknowledged, for storage to recover. */
  readonly devicesWaiting?: () => number;
  /** Security events that could not be stored. */
  readonly securityEventsNotStored?: () => number;
  /** Info-level security events folded into counted rows instead of stored one by one (issue 11 item 5). */
  readonly securityEventsAggregated?: () => number;
  /** Whether the database connection uses TLS (1), not (0); absent for a local file (issue 11). */
  readonly databaseTls?: () => Promise<boolean | undefined>;
}

const ACCEPTED = new Set(['stored', 'duplicate']);

export class PlatformMetrics {
  readonly registry = new Registry();
  readonly #http: Counter<'method' | 'route' | 'status'>;
  readonly #logins: Counter<'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.#http = new Counter({ name: 'vigil_http_requests_total', help: 'HTTP requests by method, route pattern and status.', labelNames: ['method', 'route', 'status'], registers });
    this.#logins = new Counter({ name: 'vigil_logins_total', help: 'Password logins by outcome.', labelNames: ['outcome'], registers });
    const { ingest, brokerRefusals, brokerConnections, auditHeadSeq, securityEventsByType, databaseTls } = sources;
    new Gauge({
      name: 'vigil_database_tls',
      help: 'Whether the connection to PostgreSQL uses TLS (1) or not (0); absent with SQLite (a local file).',
      registers,
      async collect() {
        this.reset();
        const tls = databaseTls ? await databaseTls().catch(() => undefined) : undefined;
        if (tls !== undefined) this.set(tls ? 1 : 0);
      },
    });
    new Counter({
      name: 'vigil_ingest_messages_total',
      help: 'Telemetry messages: accepted (stored, duplicate) or rejected, by reason.',
      labelNames: ['result', 'reason'],
      registers,
      collect() {
        if (!ingest) return;
        this.reset();
        for (const [reason, n] of Object.entries(ingest())) this.inc({ result: ACCEPTED.has(reason) ? 'accepted' : 'rejected', reason }, n);
      },
    });
    new Counter({
      name: 'vigil_broker_refusals_total',
      help: 'MQTT connections and packets refused, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        if (!brokerRefusals) return;
        this.reset();
        for (const [reason, n] of Object.entries(brokerRefusals())) this.inc({ reason }, n);
      },
    });
    new Gauge({
      name: 'vigil_broker_connections',
      help: 'Devices connected to the MQTT broker.',
      registers,
      collect() {
        if (brokerConnections) this.set(brokerConnections());
      },
    });
    new Gauge({
      name: 'vigil_audit_head_seq',
      help: 'Sequence number of the audit chain head.',
      registers,
      async collect() {
        if (!auditHeadSeq) return;
        try {
          this.set(await auditHeadSeq());
        } catch {
          this.reset();
        }
      },
    });
    new Counter({
      name: 'vigil_security_events_total',
      help: 'Stored security events, by type.',
      labelNames: ['type'],
      registers,
      async collect() {
        if (!securityEventsByType) return;
        this.reset();
        try {
          for (const [type, n] of Object.entries(await securityEventsByType())) this.inc({ type }, n);
        } catch {
          // Left empty for this scrape.
        }
      },
    });
    storageMetrics(registers, sources);
  }

  /** Called for every HTTP answer (the transport's onResponse hook). */
  observeRequest(sample: { method: string; route: string; statusCode: number }): void {
    this.#http.inc({ method: sample.method, route: sample.route, status: String(sample.statusCode) });
    if (sample.method === 'POST' && sample.route === '/api/v1/auth/login') {
      this.#logins.inc({ outcome: sample.statusCode < 300 ? 'success' : sample.statusCode === 429 ? 'rate-limited' : 'failure' });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** vigil_storage_* and the related gauges and counters (issue 17, issue 11 item 5). */
function storageMetrics(registers: Registry[], sources: MetricsSources): void {
  const { storageFailures, storageHealthy, devicesWaiting, securityEventsNotStored, securityEventsAggregated } = sources;
  new Counter({
    name: 'vigil_storage_commit_failures_total',
    help: 'Queries and commits that failed for a storage fault, by cause.',
    labelNames: ['cause'],
    registers,
    collect() {
      if (!storageFailures) return;
      this.reset();
      for (const [cause, n] of Object.entries(storageFailures())) this.inc({ cause }, n);
    },
  });
  new Gauge({
    name: 'vigil_storage_ready',
    help: '1 while storage commits, 0 after a commit failed for a storage fault (until the next commit).',
    registers,
    collect() {
      if (storageHealthy) this.set(storageHealthy() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vigil_mqtt_devices_waiting',
    help: 'Devices with a publish waiting, unacknowledged, for storage to recover.',
    registers,
    collect() {
      if (devicesWaiting) this.set(devicesWaiting());
    },
  });
  for (const [name, help, source] of [
    ['vigil_security_events_not_stored_total', 'Security events that could not be stored.', securityEventsNotStored],
    ['vigil_security_events_aggregated_total', 'Info-level security events counted into an aggregate row instead of stored one by one.', securityEventsAggregated],
  ] as const) {
    new Counter({
      name,
      help,
      registers,
      collect() {
        if (!source) return;
        this.reset();
        this.inc(source());
      },
    });
  }
}
