/**
 * Worker thread of an audit run (compliance-off-thread.ts): opens the database read-only,
 * evaluates the built-in checks it was given over the same evidence as the main thread (the
 * database's facts here; settings, keys and CA certificates passed as data; the audit chain
 * verified in this thread), posts their summaries, then on request reads the findings of those
 * checks and posts what a reconciliation would change. The violations never leave the thread.
 *
 * It runs at a lower CPU priority (nice 10, as the backup workers and the chain verification): an
 * audit competes with ingest for the cores, and ingest must keep its share.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BUILT_IN_CHECKS, detached, reconcile, runChecks, type CheckResult } from '../compliance/index.js';
import { lowerWorkerThreadPriority } from '../host/index.js';
import { newId, type Clock } from '../kernel/index.js';
import { findingStore, openDatabase } from '../storage/index.js';
import { verifyAuditIntegrity } from './audit-integrity.js';
import { databaseEvidence } from './compliance-evidence.js';
import { AUDIT_DUTY_WHEN_BUSY, Pacer, type AuditWorkerInput, type FromAuditWorker, type ToAuditWorker } from './compliance-off-thread.js';

const input = workerData as AuditWorkerInput;
/**
 * While the main thread reports itself busy (ingest, requests), the worker yields: after each
 * piece of work (a check, 10,000 audit events) it waits three times as long as that piece took,
 * so an audit takes a quarter of what it could; idle, it runs at full speed.
 */
const pacer = new Pacer(AUDIT_DUTY_WHEN_BUSY);
const port = parentPort;
lowerWorkerThreadPriority();
const post = (message: FromAuditWorker) => port?.postMessage(message);
// The run's clock: its start as the main thread read it (a test's manual clock too), moving on in real time.
const startedAt = performance.now();
const clock: Clock = { now: () => new Date(Date.parse(input.now) + (performance.now() - startedAt)) };

try {
  const database = await openDatabase({ dataDir: input.dataDir, databaseUrl: input.databaseUrl, readonly: true });
  const ids = new Set(input.checkIds);
  const checks = BUILT_IN_CHECKS.filter((c) => ids.has(c.id)).map((c) => ({ ...c, run: async (ctx: Parameters<typeof c.run>[0]) => {
      await pacer.pace();
      return c.run(ctx);
    },
  }));
  const severity = new Map(checks.map((c) => [c.id, c.severity]));
  const evidence = databaseEvidence(database, clock, {
    settings: input.settings,
    keys: () => Promise.resolve(input.keys),
    caPems: () => Promise.resolve(input.caPems),
    auditIntegrity: () => verifyAuditIntegrity(database, { dataDir: input.dataDir, databaseUrl: input.databaseUrl, policy: input.auditPolicy }, () => pacer.pace()),
    drillOverdueDays: input.drillOverdueDays,
  });
  let results: CheckResult[] = [];
  const closed = new Promise<void>((resolve) => {
    port?.on('message', (message: ToAuditWorker) => {
      if (message.kind === 'close') return resolve();
      if (message.kind === 'busy') return pacer.setBusy(message.busy);
      void (async () => {
        const snapshot = await findingStore(database.db).findingsOfChecks(input.checkIds);
        const rec = reconcile(snapshot, results, (id) => severity.get(id) ?? 'medium', message.run, newId);
        post({ kind: 'reconciled', reconciled: detached(rec, snapshot) });
      })().catch((error: unknown) => post({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
    });
  });
  results = await runChecks(checks, evidence, new Date(input.now), input.cadence);
  post({ kind: 'evaluated', summaries: results.map((r) => ({ checkId: r.checkId, status: r.status, detail: r.detail, durationMs: r.durationMs, affected: r.violations.length })) });
  await closed;
  await database.close();
  port?.close();
} catch (error) {
  post({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
}
