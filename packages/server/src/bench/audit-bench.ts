/**
 * `npm run bench -- audit [--events N] [--batch B]`: appends N audit events (default 1,000,000)
 * through the real AuditLog with group commit (B events per transaction, default 1000) on SQLite,
 * then inserts the same rows with a bare better-sqlite3 prepared statement into an identical table
 * (the baseline, same pragmas, same batch size), then verifies the chain offline.
 * Reports rates and the ratio append/raw (goal >= 0.25) and the verify time (goal < 10 s).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { AuditRecord } from '@vigil/protocol';
import type { AuditEventInput } from '../audit/index.js';
import { runAuditVerify } from '../cli/audit-commands.js';
import { validate } from '../config/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform } from '../main.js';
import { toRow } from '../storage/stores/audit-store.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { events: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '1000' } },
  allowPositionals: true,
});
const total = Number(values.events);
const batch = Number(values.batch);
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: '127.0.0.1' };

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-audit-'));
try {
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent' });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const records: AuditRecord[] = [];
  const event = (i: number): AuditEventInput => ({
    action: 'telemetry.vitals.read',
    target: { type: 'patient', id: `patient-${i % 5000}` },
    outcome: 'success',
    orgId: 'org-bench',
    details: { route: '/api/v1/patients/vitals', rows: i % 300 },
  });

  const appendStart = process.hrtime.bigint();
  for (let start = 0; start < total; start += batch) {
    const events = Array.from({ length: Math.min(batch, total - start) }, (_, k) => event(start + k));
    const written = await platform.withAuditStore((store) => platform.auditLog.append(store, ctx, events));
    for (const r of written) records.push(r);
  }
  const appendSeconds = Number(process.hrtime.bigint() - appendStart) / 1e9;
  await platform.close();

  // Baseline: the same rows, a bare prepared INSERT, same pragmas and batch size.
  const raw = new Database(join(root, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`CREATE TABLE audit_events (seq integer primary key, event_id text not null unique, time text not null, actor_kind text not null,
    actor_id text not null, org_id text, action text not null, target_type text not null, target_id text not null, outcome text not null,
    reason text, request_id text not null, source text not null, details text not null, prev_hash text not null, hash text not null)`);
  raw.exec('CREATE INDEX audit_events_time ON audit_events(time); CREATE INDEX audit_events_target ON audit_events(target_type, target_id); CREATE INDEX audit_events_actor ON audit_events(actor_kind, actor_id)');
  const insert = raw.prepare(`INSERT INTO audit_events VALUES (@seq, @event_id, @time, @actor_kind, @actor_id, @org_id, @action, @target_type,
    @target_id, @outcome, @reason, @request_id, @source, @details, @prev_hash, @hash)`);
  const insertMany = raw.transaction((rows: AuditRecord[]) => {
    for (const r of rows) insert.run(toRow(r));
  });
  const rawStart = process.hrtime.bigint();
  for (let start = 0; start < records.length; start += batch) insertMany(records.slice(start, start + batch));
  const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
  raw.close();

  const verifyStart = process.hrtime.bigint();
  const result = await runAuditVerify({ config });
  const verifySeconds = Number(process.hrtime.bigint() - verifyStart) / 1e9;
  if (!result.ok || result.eventsVerified !== total) throw new Error(`verify failed: ${result.message}`);

  const appendRate = total / appendSeconds;
  const rawRate = total / rawSeconds;
  const report = {
    bench: 'audit',
    events: total,
    batch,
    appendEventsPerSecond: Math.round(appendRate),
    rawInsertRowsPerSecond: Math.round(rawRate),
    appendToRawRatio: Number((appendRate / rawRate).toFixed(3)),
    appendGoal: '>= 0.25 of raw',
    appendOk: appendRate / rawRate >= 0.25,
    verifySeconds: Number(verifySeconds.toFixed(2)),
    verifyEventsPerSecond: Math.round(total / verifySeconds),
    checkpointsVerified: result.checkpointsVerified,
    verifyGoal: total >= 1_000_000 ? '< 10 s for 1M events' : `< ${(10 * total) / 1_000_000} s (scaled)`,
    verifyOk: verifySeconds < (10 * total) / 1_000_000,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
