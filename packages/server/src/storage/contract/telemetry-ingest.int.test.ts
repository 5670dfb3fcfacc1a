/**
 * The group commit over the real SQL unit of work, on SQLite and (with VIGIL_TEST_DATABASE_URL)
 * PostgreSQL with its partitioned readings table: readings, last_seq and the audit summary land in
 * one transaction; a redelivery is not stored twice; a replay is refused.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { AuditLog } from '../../audit/index.js';
import type { Signer } from '../../keys/index.js';
import { ManualClock } from '../../kernel/index.js';
import { GroupCommitter, type IngestDevice, type IngestScope } from '../../telemetry/index.js';
import { auditStore } from '../stores/audit-store.js';
import { telemetryStore } from '../stores/telemetry-store.js';
import { SqlUnitOfWork } from '../unit-of-work.js';
import { testAdapters, withTestDatabase } from './adapters.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer: Signer = {
  keyId: 'audit-0000000000000001',
  algorithm: 'Ed25519',
  sign: (data) => sign(null, data, privateKey),
  publicKeyPem: () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
const dev = (n: number): IngestDevice => ({ deviceId: `device-int-${String(n).padStart(4, '0')}`, orgId: 'org-int', model: 'm', publicKeyPem: '' });
const env = (d: IngestDevice, seq: number, value = 70): TelemetryEnvelope => ({
  v: 1,
  deviceId: d.deviceId,
  seq,
  ts: clock.now().toISOString(),
  readings: [
    { metric: '8867-4', value, unit: '/min' },
    { metric: '59408-5', value: 97, unit: '%' },
  ],
});

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/group commit`, () => {
    test('ok/one transaction for many devices; dedupe and replay against committed state', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        const log = new AuditLog({ signer: () => signer, clock, checkpointEvery: 1000, checkpointIntervalSeconds: 60 });
        const uow = new SqlUnitOfWork<IngestScope>(database, (executor) => {
          const audit = auditStore(executor, database.dialect);
          return { telemetry: telemetryStore(executor, database.sqliteHandle), audit: { append: (ctx, events) => log.append(audit, ctx, events) } };
        });
        const gc = new GroupCommitter(uow, clock, { maxDelayMs: 10, maxBatch: 500 });
        const first = await Promise.all([1, 2, 3].flatMap((n) => [1, 2, 3].map((seq) => gc.submit(dev(n), env(dev(n), seq), '127.0.0.1'))));
        assert.deepEqual(first, Array(9).fill('stored'));
        assert.equal(gc.stats.batches, 1);
        const laterTs = { ...env(dev(2), 3), ts: new Date(clock.now().getTime() + 1).toISOString() };
        const again = await Promise.all([
          gc.submit(dev(1), env(dev(1), 3), 'x'),
          gc.submit(dev(1), env(dev(1), 2, 99), 'x'),
          gc.submit(dev(1), env(dev(1), 4), 'x'),
          // The same seq measured at another time is another message, not a redelivery.
          gc.submit(dev(2), laterTs, 'x'),
        ]);
        assert.deepEqual(again, ['duplicate', 'replay', 'stored', 'replay']);
        const rows = await database.db.selectFrom('telemetry_readings').select(['device_id', 'seq', 'idx']).where('device_id', '=', dev(1).deviceId).execute();
        assert.equal(rows.length, 8, '4 messages x 2 readings, none twice');
        const audit = await database.db.selectFrom('audit_events').select(['action', 'target_id']).where('action', '=', 'telemetry.readings.ingest').execute();
        assert.equal(audit.length, 4, 'one summary per device per batch');
        await gc.close();
      }));
  });
}
