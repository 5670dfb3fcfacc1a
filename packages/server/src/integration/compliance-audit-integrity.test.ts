/**
 * The PLT-AUDIT-CHAIN evidence verified in a worker thread (composition/audit-integrity.ts) gives
 * the same verdict as in process: ok on a sound chain, not ok once one stored event is changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditIntegrityOffThread, verifyAuditIntegrity, verifyInWorker } from '../composition/audit-integrity.js';
import { makePlatform, testContext } from './fixtures.js';

describe('audit integrity evidence off the main thread', () => {
  it('ok/the worker and the in-process verification agree: sound, then one changed event is caught', async () => {
    const tp = await makePlatform();
    try {
      const { platform } = tp;
      const events = Array.from({ length: 40 }, (_, i) => ({ action: 'test.thing.read', target: { type: 'thing', id: `t-${i}` }, outcome: 'success' as const }));
      await platform.withAuditStore((store) => platform.auditLog.append(store, testContext, events));
      await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
      const input = { dataDir: platform.dataDir, databaseUrl: tp.config.databaseUrl, policy: tp.config.audit };
      const here = await verifyAuditIntegrity(platform.database, input);
      const worker = await verifyInWorker(input);
      assert.equal(here.ok, true, here.message);
      assert.deepEqual(worker, here);
      assert.deepEqual(await auditIntegrityOffThread(platform.database, input, 0), here);

      const db = platform.database.sqliteHandle;
      if (!db) return; // PostgreSQL: the tamper below is SQLite's (the verdict logic is shared)
      // The attacker with file access drops the append-only triggers first (as in audit-checkpoint-tamper.test.ts).
      for (const t of ['audit_events_no_update', 'audit_events_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
      db.prepare("UPDATE audit_events SET action = 'test.thing.erase' WHERE seq = 10").run();
      const tamperedHere = await verifyAuditIntegrity(platform.database, input);
      const tamperedWorker = await verifyInWorker(input);
      assert.equal(tamperedHere.ok, false);
      assert.equal(tamperedWorker.ok, false);
      assert.equal(tamperedWorker.message, tamperedHere.message);
    } finally {
      await tp.dispose();
    }
  });
});
