import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseTelemetry, parseDeviceTopic, type TelemetryEnvelope } from '@vigil/protocol';
import { type FleetEpisodeEvent, startFleet } from './fleet.js';
import { DeviceSdkError } from './sdk-error.js';
import { createTestPki, type TestPki } from './testing/test-pki.js';
import { type EnrollServer, startEnrollServer, startTestBroker, type TestBroker } from './testing/test-servers.js';
import { EPISODES, VITAL_METRICS, VitalsModel, vitalsToReadings } from './vitals-generator.js';
import { parseDuration } from './vigil-sim-cli.js';

let pki: TestPki;
let broker: TestBroker;
let enrollServer: EnrollServer;
let root: string;

before(async () => {
  pki = await createTestPki();
  broker = await startTestBroker(pki);
  enrollServer = await startEnrollServer(pki, broker.port);
  root = await mkdtemp(join(tmpdir(), 'vigil-sdk-fleet-'));
});
after(async () => {
  await enrollServer.close();
  await broker.close();
  await rm(root, { recursive: true, force: true });
});

function envelopes(): Map<string, TelemetryEnvelope[]> {
  const byDevice = new Map<string, TelemetryEnvelope[]>();
  for (const m of broker.received) {
    const topic = parseDeviceTopic(m.topic);
    if (topic?.channel !== 'telemetry') continue;
    const parsed = parseTelemetry(JSON.parse(m.payload));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.detail);
    assert.equal(parsed.value.deviceId, m.clientId);
    const list = byDevice.get(m.clientId) ?? [];
    list.push(parsed.value);
    byDevice.set(m.clientId, list);
  }
  return byDevice;
}

test('ok/a fleet enrols its devices with tokens, sends generated vitals through the SDK, and a second run reuses the state', async () => {
  const stateDir = join(root, 'fleet');
  const tokens = [0, 1, 2].map(() => randomBytes(8).toString('hex'));
  for (const t of tokens) enrollServer.tokens.add(t);
  const fleet = await startFleet({ url: enrollServer.url, caCertificate: pki.root.certPem, stateDir, devices: 3, ratePerSecond: 20, durationMs: 1_000, tokens, seed: 'fleet-test' });
  await fleet.done;
  const stats = fleet.stats();
  assert.ok(stats.queued >= 30, `queued ${stats.queued}`);
  assert.equal(stats.acked, stats.queued, 'everything queued was acknowledged before stop');
  assert.equal(stats.refused, 0);
  const byDevice = envelopes();
  assert.deepEqual([...byDevice.keys()].sort(), fleet.devices.map((d) => d.deviceId).sort());
  fleet.devices.forEach((device, i) => {
    const list = byDevice.get(device.deviceId) ?? [];
    assert.deepEqual(list.map((e) => e.seq), list.map((_, k) => k + 1), 'seq 1, 2, 3... in order');
    for (const e of list) assert.deepEqual(e.readings, vitalsToReadings(fleet.models[i]!.at(Date.parse(e.ts)).vitals), 'values are the model’s');
  });
  assert.equal(enrollServer.tokens.size, 0, 'every token spent once');

  const lastSeq = new Map(fleet.devices.map((d) => [d.deviceId, d.status().lastSeq]));
  const again = await startFleet({ url: enrollServer.url, caCertificate: pki.root.certPem, stateDir, devices: 3, ratePerSecond: 10, durationMs: 500 });
  await again.done;
  assert.deepEqual(again.devices.map((d) => d.deviceId), fleet.devices.map((d) => d.deviceId), 'same identities, no new enrolment');
  for (const d of again.devices) {
    const list = envelopes().get(d.deviceId) ?? [];
    const newer = list.filter((e) => e.seq > (lastSeq.get(d.deviceId) ?? 0));
    assert.ok(newer.length > 0);
    assert.ok(newer.every((e) => e.seq > (lastSeq.get(d.deviceId) ?? 0)));
  }
});

test('fail/a fleet without tokens for unenrolled devices refuses to start', async () => {
  await assert.rejects(
    startFleet({ url: enrollServer.url, caCertificate: pki.root.certPem, stateDir: join(root, 'no-tokens'), devices: 2, ratePerSecond: 1 }),
    (e: unknown) => e instanceof DeviceSdkError && e.code === 'NOT_ENROLLED',
  );
});

test('ok/CLI durations', () => {
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.throws(() => parseDuration('ten'));
});

test('ok/the fleet announces an episode when its device enters it, as the schedule predicts', async () => {
  // Episode offsets do not depend on startMs: place the first one of device 0 just before now.
  const probe = new VitalsModel({ seed: 'episodes', deviceIndex: 0, startMs: 0, firstEpisodeAfterMs: 0 });
  const first = probe.episodesUntil(3_600_000)[0]!;
  const startMs = Date.now() - first.startMs - 500;
  const token = randomBytes(8).toString('hex');
  enrollServer.tokens.add(token);
  const events: FleetEpisodeEvent[] = [];
  const fleet = await startFleet({
    url: enrollServer.url,
    caCertificate: pki.root.certPem,
    stateDir: join(root, 'episodes'),
    devices: 1,
    ratePerSecond: 10,
    durationMs: 500,
    tokens: [token],
    seed: 'episodes',
    firstEpisodeAfterMs: 0,
    startMs,
    onEpisode: (e) => events.push(e),
  });
  await fleet.done;
  assert.equal(events[0]?.phase, 'start');
  assert.equal(events[0]?.episode.kind, first.kind);
  assert.equal(events[0]?.episode.startMs, startMs + first.startMs);
  const sent = envelopes().get(fleet.devices[0]!.deviceId) ?? [];
  const range = EPISODES[first.kind].range;
  assert.ok(sent.length > 0);
  for (const e of sent) {
    assert.equal(fleet.models[0]!.at(Date.parse(e.ts)).episode?.kind, first.kind, 'every message of the run falls in the episode');
    const value = e.readings.find((r) => r.metric === VITAL_METRICS[first.vital])?.value;
    assert.ok(value !== undefined && value >= range.min && value <= range.max, `${first.vital} ${value} is abnormal as scheduled`);
  }
});

test('ok/a fleet can send over the HTTPS transport', async () => {
  const tokens = [0, 1].map(() => randomBytes(8).toString('hex'));
  for (const t of tokens) enrollServer.tokens.add(t);
  const fleet = await startFleet({ url: enrollServer.url, caCertificate: pki.root.certPem, stateDir: join(root, 'https'), devices: 2, ratePerSecond: 20, durationMs: 500, tokens, transport: 'https' });
  await fleet.done;
  const stats = fleet.stats();
  assert.ok(stats.acked > 0);
  assert.equal(stats.acked, stats.queued);
  for (const device of fleet.devices) {
    const seqs = enrollServer.telemetry.filter((m) => m.clientId === device.deviceId).map((m) => (JSON.parse(m.payload) as TelemetryEnvelope).seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
  }
});
