import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { canonicalTelemetry, type TelemetryEnvelope } from '@vigil/protocol';
import { ecdsaP256Verifier } from '../keys/index.js';
import { ManualClock, MemorySecurityEventSink } from '../kernel/index.js';
import { GroupCommitter } from './group-commit.js';
import { MemoryIngestUnitOfWork } from './in-memory-telemetry.js';
import { IngestPipeline } from './ingest-pipeline.js';
import type { IngestDevice } from './model.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof keys) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();

function device(model = 'plain'): IngestDevice {
  return { deviceId: 'device-unit-0001', orgId: 'org-1', model, publicKeyPem: pem(keys) };
}

function env(seq: number, offsetMs = 0, value = 72): TelemetryEnvelope {
  return { v: 1, deviceId: 'device-unit-0001', seq, ts: new Date(NOW + offsetMs).toISOString(), readings: [{ metric: '8867-4', value, unit: '/min' }] };
}

function signed(e: TelemetryEnvelope, key = keys.privateKey): TelemetryEnvelope {
  return { ...e, sig: sign('sha256', Buffer.from(canonicalTelemetry(e)), { key, dsaEncoding: 'ieee-p1363' }).toString('base64') };
}

function setup(options: { signedModels?: string[]; window?: number } = {}) {
  const uow = new MemoryIngestUnitOfWork();
  const clock = new ManualClock(NOW);
  const events = new MemorySecurityEventSink();
  const committer = new GroupCommitter(uow, clock, { maxDelayMs: 1, maxBatch: 100 });
  const pipeline = new IngestPipeline({ committer, clock, events, verifier: ecdsaP256Verifier, timeWindowSeconds: options.window ?? 300, signedModels: options.signedModels ?? ['signed-model'] });
  return { uow, clock, events, committer, pipeline };
}

describe('IngestPipeline', () => {
  const cases: Array<[string, () => { device: IngestDevice; body: unknown }, string]> = [
    ['ok/a valid envelope is stored', () => ({ device: device(), body: env(1) }), 'stored'],
    ['ok/at the edge of the window (-299 s)', () => ({ device: device(), body: env(1, -299_000) }), 'stored'],
    ['ok/a signed model with a good signature', () => ({ device: device('signed-model'), body: signed(env(1)) }), 'stored'],
    ['fail/stale (-6 min)', () => ({ device: device(), body: env(1, -360_000) }), 'stale'],
    ['fail/future (+6 min)', () => ({ device: device(), body: env(1, 360_000) }), 'future'],
    ['fail/out of range', () => ({ device: device(), body: env(1, 0, 301) }), 'range'],
    ['fail/unknown key (prototype poisoning)', () => ({ device: device(), body: JSON.parse('{"__proto__":{"x":1},"v":1}') as unknown }), 'schema'],
    ['fail/envelope of another device', () => ({ device: device(), body: { ...env(1), deviceId: 'device-unit-0002' } }), 'device-mismatch'],
    ['fail/a signed model without signature', () => ({ device: device('signed-model'), body: env(1) }), 'signature'],
    ['fail/a signature by another key', () => ({ device: device('signed-model'), body: signed(env(1), otherKeys.privateKey) }), 'signature'],
    ['fail/a signature over other content', () => ({ device: device('signed-model'), body: { ...signed(env(1)), seq: 2 } }), 'signature'],
    ['fail/a bad signature on a model that does not require one', () => ({ device: device(), body: signed(env(1), otherKeys.privateKey) }), 'signature'],
  ];
  for (const [name, make, expected] of cases) {
    test(name, async () => {
      const { pipeline, events, uow } = setup();
      const { device: d, body } = make();
      const outcome = await pipeline.ingest(d, body, 'mqtt', '127.0.0.1');
      assert.equal(outcome.status === 'rejected' ? outcome.reason : outcome.status, expected);
      if (expected !== 'stored') {
        assert.equal(pipeline.counters.get(expected), 1);
        assert.equal(events.count('ingest.rejected', expected), 1);
        assert.equal(uow.data.readings.length, 0);
      } else {
        assert.equal(uow.data.readings.length, 1);
      }
    });
  }

  test('fail/malformed JSON bytes', async () => {
    const { pipeline, events } = setup();
    const outcome = await pipeline.ingestPayload(device(), Buffer.from('{"v":'), 'mqtt', 'x');
    assert.equal(outcome.status === 'rejected' && outcome.reason, 'malformed');
    assert.equal(events.count('ingest.rejected', 'malformed'), 1);
  });

  test('ok/a redelivery is a duplicate (acknowledged, no second row); fail/same seq with other content is a replay', async () => {
    const { pipeline, uow, events } = setup();
    assert.equal((await pipeline.ingest(device(), env(7), 'mqtt', 'x')).status, 'stored');
    assert.equal((await pipeline.ingest(device(), JSON.parse(JSON.stringify(env(7))) as unknown, 'mqtt', 'x')).status, 'duplicate');
    const replay = await pipeline.ingest(device(), env(7, 1000), 'mqtt', 'x');
    assert.equal(replay.status === 'rejected' && replay.reason, 'replay');
    const older = await pipeline.ingest(device(), env(3), 'mqtt', 'x');
    assert.equal(older.status === 'rejected' && older.reason, 'replay');
    assert.equal(uow.data.readings.length, 1);
    assert.equal(events.count('ingest.rejected', 'replay'), 2);
  });
});
