import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseTelemetry } from '@vigil/protocol';
import { EPISODE_KINDS, EPISODES, generateVitals, MIN_QUIET_MS, NORMAL_RANGES, VITAL_SIGNS, type VitalsSample, VitalsModel, vitalsToReadings } from './vitals-generator.js';

const START = Date.parse('2026-11-28T08:00:00.000Z');
const HOUR = 3_600_000;

function assertSampleInRanges(sample: VitalsSample): void {
  for (const vital of VITAL_SIGNS) {
    const value = sample.vitals[vital];
    const range = sample.episode !== undefined && sample.episode.vital === vital ? EPISODES[sample.episode.kind].range : NORMAL_RANGES[vital];
    assert.ok(value >= range.min && value <= range.max, `${vital}=${value} outside ${range.min}..${range.max} (episode ${sample.episode?.kind ?? 'none'})`);
  }
  if (sample.episode?.kind === 'desaturation') assert.ok(sample.vitals.spo2 < 90);
  if (sample.episode?.kind === 'tachycardia') assert.ok(sample.vitals.heartRate > 130);
}

test('ok/normal periods stay within normal ranges and episodes within theirs (property)', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer(), fc.string()),
      fc.nat(10_000),
      fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }),
      fc.array(fc.nat(24 * HOUR), { minLength: 1, maxLength: 40 }),
      (seed, deviceIndex, startMs, offsets) => {
        const model = new VitalsModel({ seed, deviceIndex, startMs, meanEpisodeGapMs: 5 * 60_000 });
        for (const offset of offsets) assertSampleInRanges(model.at(startMs + offset));
      },
    ),
    { numRuns: 300 },
  );
});

test('ok/every envelope built from generated vitals passes parseTelemetry (property)', () => {
  fc.assert(
    fc.property(fc.integer(), fc.nat(1000), fc.integer({ min: 100, max: 60_000 }), (seed, deviceIndex, intervalMs) => {
      const { samples } = generateVitals({ seed, deviceIndex, startMs: START, intervalMs, count: 50, meanEpisodeGapMs: 60_000, firstEpisodeAfterMs: 0 });
      samples.forEach((sample, i) => {
        assert.deepEqual(sample.readings, vitalsToReadings(sample.vitals));
        const result = parseTelemetry({ v: 1, deviceId: 'dev_simulated01', seq: i + 1, ts: new Date(sample.ts).toISOString(), readings: sample.readings });
        assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.detail}`);
      });
    }),
    { numRuns: 100 },
  );
});

test('ok/the generator is deterministic: same seed and device, same samples and episodes', () => {
  const options = { seed: 'demo', deviceIndex: 3, startMs: START, intervalMs: 1_000, count: 3_600 };
  const a = generateVitals(options);
  const b = generateVitals(options);
  assert.deepEqual(a, b);
  assert.deepEqual(generateVitals({ seed: 'demo', deviceIndex: 3, startMs: START, intervalMs: 1_000, durationMs: 3_600_000 }), a);
  const other = generateVitals({ ...options, deviceIndex: 4 });
  assert.notDeepEqual(other.samples.map((s) => s.vitals), a.samples.map((s) => s.vitals));
  // Random access agrees with batch generation.
  const model = new VitalsModel(options);
  assert.deepEqual(model.at(START + 1_234 * 1_000), a.samples[1_234]);
});

test('ok/the episode schedule says exactly where abnormal values occur', () => {
  const { samples, episodes } = generateVitals({ seed: 7, deviceIndex: 0, startMs: START, intervalMs: 1_000, count: 6 * 3_600, meanEpisodeGapMs: 10 * 60_000 });
  assert.ok(episodes.length >= 5, `expected several episodes in 6 h, got ${episodes.length}`);
  let previousEnd = -Infinity;
  for (const e of episodes) {
    assert.ok(e.startMs >= START + 30_000, 'no episode in the first 30 s');
    assert.ok(e.endMs - e.startMs > 60_000, 'episodes last more than 60 s');
    assert.ok(e.startMs - previousEnd >= MIN_QUIET_MS, 'episodes are separated by normal time');
    previousEnd = e.endMs;
  }
  for (const sample of samples) {
    const scheduled = episodes.find((e) => e.startMs <= sample.ts && sample.ts < e.endMs);
    assert.equal(sample.episode, scheduled);
    assertSampleInRanges(sample);
    if (scheduled === undefined) {
      for (const vital of VITAL_SIGNS) assert.ok(sample.vitals[vital] >= NORMAL_RANGES[vital].min && sample.vitals[vital] <= NORMAL_RANGES[vital].max);
    }
  }
});

test('ok/desaturation keeps SpO2 below 90 and tachycardia keeps HR above 130 for their whole (over 60 s) duration', () => {
  for (const kind of ['desaturation', 'tachycardia'] as const) {
    const model = new VitalsModel({ seed: 11, deviceIndex: 2, startMs: START, episodeKinds: [kind], meanEpisodeGapMs: 5 * 60_000 });
    const episodes = model.episodesUntil(START + 4 * HOUR);
    assert.ok(episodes.length > 0);
    for (const e of episodes) {
      assert.equal(e.kind, kind);
      for (let t = e.startMs; t < e.endMs; t += 1_000) {
        const v = model.at(t).vitals;
        if (kind === 'desaturation') assert.ok(v.spo2 < 90, `SpO2 ${v.spo2} at +${t - e.startMs} ms`);
        else assert.ok(v.heartRate > 130, `HR ${v.heartRate} at +${t - e.startMs} ms`);
      }
    }
  }
});

test('ok/every episode kind occurs across a fleet; episodeKinds [] gives an always-normal device', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) for (const e of new VitalsModel({ seed: 1, deviceIndex: i, startMs: START }).episodesUntil(START + 6 * HOUR)) seen.add(e.kind);
  assert.deepEqual([...seen].sort(), [...EPISODE_KINDS].sort());
  const calm = new VitalsModel({ seed: 1, deviceIndex: 0, startMs: START, episodeKinds: [] });
  assert.deepEqual(calm.episodesUntil(START + 24 * HOUR), []);
});
