/**
 * `npm run bench -- incidents [--users U] [--devices D] [--days N] [--per-user-day A] [--per-device-day S] [--rounds R] [--cache DIR] [--fresh]`:
 * the incident timeline and blast radius over 30 days of data for 1,000 devices and 200 users
 * (several million audit and security events, SQLite). The seeded data directory is cached under
 * --cache (default /tmp/vigil-bench-incidents-cache) and reused by the next run (--fresh reseeds).
 *
 * Reports, for a small incident (1 user, 1 device, 1 source) and a wide one (10 users, 50
 * devices), the wall and CPU time of `IncidentService.timeline()` (timeline, point of failure and
 * blast radius), against an in-run baseline: the same SQL statements the timeline ran, captured
 * as it ran them, executed bare on the same connection (rows read, nothing built). The ratio says
 * what the module adds to the database's own work, whatever the machine's load; the CPU time says
 * what one answer costs without the waiting. Also prints EXPLAIN QUERY PLAN of every captured
 * statement. Goal: < 2 s.
 */
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { openSeeded } from './incidents-seed.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    users: { type: 'string', default: '200' },
    devices: { type: 'string', default: '1000' },
    days: { type: 'string', default: '30' },
    'per-user-day': { type: 'string', default: '300' },
    'per-device-day': { type: 'string', default: '60' },
    rounds: { type: 'string', default: '5' },
    cache: { type: 'string', default: join(tmpdir(), 'vigil-bench-incidents-cache') },
    fresh: { type: 'boolean', default: false },
  },
});
const positive = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${String(text)})`);
  return n;
};
const scale = {
  users: positive('users', values.users),
  devices: positive('devices', values.devices),
  days: positive('days', values.days),
  perUserDay: positive('per-user-day', values['per-user-day']),
  perDeviceDay: positive('per-device-day', values['per-device-day']),
};
const ROUNDS = positive('rounds', values.rounds);

interface Captured {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Records the SELECT statements run on the connection while `capturing` is set (kysely prepares each one). */
function captureStatements(db: BetterSqlite3.Database): { start(): void; stop(): Captured[] } {
  let capturing: Captured[] | null = null;
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    if (capturing === null || !/^\s*select/i.test(source)) return statement;
    const all = statement.all.bind(statement);
    statement.all = ((...params: unknown[]) => {
      capturing?.push({ sql: source, params: params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : params });
      return all(...(params as []));
    }) as typeof statement.all;
    return statement;
  }) as typeof db.prepare;
  return {
    start: () => {
      capturing = [];
    },
    stop: () => {
      const out = capturing ?? [];
      capturing = null;
      return out;
    },
  };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

const loadBefore = loadavg();
const seeded = await openSeeded(scale, values.cache ?? join(tmpdir(), 'vigil-bench-incidents-cache'), values.fresh === true);
try {
  const { platform, db, ctx } = seeded;
  const capture = captureStatements(db);

  const measure = async (id: string) => {
    const wall: number[] = [];
    const cpu: number[] = [];
    const baseWall: number[] = [];
    const baseCpu: number[] = [];
    let summary: Record<string, unknown> = {};
    let statements: Captured[] = [];
    // One warm-up (page cache, statement compilation), then the rounds; each round is followed by
    // its baseline, so both see the same load.
    for (let r = -1; r < ROUNDS; r += 1) {
      capture.start();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const view = await platform.incidents.service.timeline(ctx, id);
      const t = performance.now() - t0;
      const c = cpuMs(c0);
      statements = capture.stop();
      const b0 = process.cpuUsage();
      const bt0 = performance.now();
      let baselineRows = 0;
      for (const s of statements) baselineRows += db.prepare(s.sql).raw(true).all(...(s.params as [])).length;
      const bt = performance.now() - bt0;
      const bc = cpuMs(b0);
      if (r < 0) continue;
      wall.push(t);
      cpu.push(c);
      baseWall.push(bt);
      baseCpu.push(bc);
      summary = {
        entries: view.entries.length,
        truncated: view.truncated,
        pointOfFailure: view.pointOfFailure.earliest?.kind ?? null,
        patients: view.blastRadius.patients.length,
        users: view.blastRadius.users.length,
        devices: view.blastRadius.devices.length,
        statements: statements.length,
        baselineRows,
      };
    }
    const m = median(wall);
    const b = median(baseWall);
    return {
      wallMs: { median: round(m), min: round(Math.min(...wall)), max: round(Math.max(...wall)) },
      cpuMs: { median: round(median(cpu)), min: round(Math.min(...cpu)) },
      baseline: { wallMs: round(b), cpuMs: round(median(baseCpu)) },
      ratioToBaseline: round(m / Math.max(b, 0.001), 2),
      underGoal: m < 2000,
      ...summary,
      plans: plansOf(db, statements),
    };
  };

  const small = await measure(seeded.smallId);
  const wide = await measure(seeded.wideId);
  const result = {
    bench: 'incidents',
    ...scale,
    auditRows: seeded.auditRows,
    securityEventRows: seeded.securityEventRows,
    cache: seeded.dataDir,
    cached: seeded.cached,
    loadSeconds: seeded.loadSeconds,
    rounds: ROUNDS,
    loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) },
    small,
    wide,
    goalMs: 2000,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await seeded.platform.close();
}

/** EXPLAIN QUERY PLAN of each distinct statement (the IN lists make each text distinct per seed count). */
function plansOf(db: BetterSqlite3.Database, statements: readonly Captured[]): Array<{ sql: string; plan: string[] }> {
  const seen = new Set<string>();
  const out: Array<{ sql: string; plan: string[] }> = [];
  for (const s of statements) {
    if (seen.has(s.sql)) continue;
    seen.add(s.sql);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.params as [])) as Array<{ detail: string }>).map((r) => r.detail);
    out.push({ sql: s.sql.replace(/\((\?, ){3,}\?\)/g, (m) => `(${m.split('?').length - 1} values)`).replace(/"/g, '').slice(0, 240), plan });
  }
  return out;
}
