/**
 * `npm run bench -- login [--seconds S] [--concurrency C] [--probe-interval-ms N]`: logins per
 * second over HTTPS at the argon2id parameters in use (OWASP: m=19456 KiB, t=2, p=1), and whether
 * the event loop stays responsive meanwhile: p99 latency of GET /healthz during a login storm,
 * beside the same p99 with no storm, measured in the same run on the same server.
 *
 * Loopback only. Each storm worker binds its own 127.0.0.x source address so the per-source rate
 * limit on /api/v1/auth/* (which stays on) does not cap the storm. Bounded by time (S seconds per
 * phase, default 10) and by count (at most 100,000 requests per phase).
 */
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../config/index.js';
import { OWASP_ARGON2ID, PasswordHasher } from '../identity/index.js';
import { cliPrincipal, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'probe-interval-ms': { type: 'string', default: '20' },
  },
  allowPositionals: true,
});
const seconds = Math.min(120, Math.max(1, Number(values.seconds)));
const concurrency = Math.min(64, Math.max(1, Number(values.concurrency)));
const probeIntervalMs = Math.max(1, Number(values['probe-interval-ms']));
const MAX_REQUESTS = 100_000;
const PASSWORD = 'Quartz-Meadow-Lantern-93';
const ctx: RequestContext = { principal: cliPrincipal('bench'), requestId: 'bench', source: 'local' };

interface Timed {
  readonly status: number;
  readonly ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { count: sorted.length, p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-login-'));
try {
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, login: { rateLimitPerMinute: 1000 } });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const org = await platform.identity.createOrganization(ctx, 'Bench Hospital');
  for (let i = 0; i < concurrency; i += 1) {
    await platform.identity.createUser(ctx, { orgId: org.id, username: `bench-${i}`, displayName: `Bench ${i}`, roles: ['clinician'], password: PASSWORD });
  }
  const server = await startServer(platform, createLogger({ level: 'silent' }), { consoleDir: join(root, 'no-console') });
  const ca = readFileSync(join(platform.dataDir, 'ca', 'root.pem'), 'utf8');

  const call = (agent: Agent, method: string, path: string, body?: string): Promise<Timed> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port: server.httpPort,
          method,
          path,
          ca,
          servername: 'localhost',
          agent,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  /** Probes /healthz every probeIntervalMs until `until`. */
  const probe = async (until: number): Promise<number[]> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, localAddress: '127.0.0.1' });
    const samples: number[] = [];
    try {
      while (Date.now() < until && samples.length < MAX_REQUESTS) {
        const next = Date.now() + probeIntervalMs;
        const r = await call(agent, 'GET', '/healthz');
        if (r.status === 200) samples.push(r.ms);
        const wait = next - Date.now();
        if (wait > 0) await new Promise((w) => setTimeout(w, wait));
      }
    } finally {
      agent.destroy();
    }
    return samples;
  };

  const storm = async (until: number) => {
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, localAddress: `127.0.0.${i + 2}` });
        const body = JSON.stringify({ username: `bench-${i}`, password: PASSWORD, mode: 'bearer' });
        try {
          while (Date.now() < until && sent < MAX_REQUESTS) {
            sent += 1;
            const r = await call(agent, 'POST', '/api/v1/auth/login', body);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 200) latencies.push(r.ms);
          }
        } finally {
          agent.destroy();
        }
      }),
    );
    return { latencies, statuses: Object.fromEntries(statuses) };
  };

  // Warm-up: the first argon2 call allocates; the first TLS handshakes cost more.
  await Promise.all([probe(Date.now() + 500), storm(Date.now() + 500)]);

  const quietEnd = Date.now() + seconds * 1000;
  const quiet = await probe(quietEnd);

  const stormEnd = Date.now() + seconds * 1000;
  const stormStart = Date.now();
  const [loud, logins] = await Promise.all([probe(stormEnd), storm(stormEnd)]);
  const stormSeconds = (Date.now() - stormStart) / 1000;

  // The hasher alone, same parameters, same concurrency (no HTTP, no database).
  const hasher = new PasswordHasher();
  const stored = await hasher.hash(PASSWORD);
  const rawEnd = Date.now() + Math.min(seconds, 5) * 1000;
  let verifies = 0;
  const rawStart = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < rawEnd) {
        await hasher.verify(stored, PASSWORD);
        verifies += 1;
      }
    }),
  );
  const rawSeconds = (Date.now() - rawStart) / 1000;

  await server.close();
  const quietSummary = summary(quiet);
  const loudSummary = summary(loud);
  const report = {
    bench: 'login',
    cpus: availableParallelism(),
    uvThreadpoolSize: Number(process.env['UV_THREADPOOL_SIZE'] ?? 4),
    argon2id: OWASP_ARGON2ID,
    concurrency,
    secondsPerPhase: seconds,
    logins: {
      ok: logins.latencies.length,
      perSecond: Math.round((logins.latencies.length / stormSeconds) * 10) / 10,
      statuses: logins.statuses,
      latency: summary(logins.latencies),
    },
    argon2VerifyOnlyPerSecond: Math.round((verifies / rawSeconds) * 10) / 10,
    healthz: { withoutStorm: quietSummary, duringStorm: loudSummary, p99Ratio: Math.round((loudSummary.p99Ms / quietSummary.p99Ms) * 100) / 100 },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}
