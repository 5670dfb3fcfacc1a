/**
 * The clinical rule evaluator against the device SDK's vitals model: the default rules fire on
 * exactly the seeded abnormal episodes (one firing each, inside the episode, on the episode's
 * vital) and never on normal data; durations, overrides and resets behave as documented.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateVitals, VITAL_METRICS, type EpisodeKind } from '@vigil/device-sdk';
import { DEFAULT_ORG_RULES, effectiveRules, RuleEvaluator, type AlertRule, type Firing } from './model.js';

const ORG = 'org-1';
const RULES: AlertRule[] = DEFAULT_ORG_RULES.map((r, i) => ({ ...r, id: `rule-${i}`, orgId: ORG, patientId: null, enabled: true }));

/** The default rule each episode kind must trip. */
const EXPECTED: Record<EpisodeKind, { metric: string; comparison: string }> = {
  desaturation: { metric: VITAL_METRICS.spo2, comparison: 'lt' },
  tachycardia: { metric: VITAL_METRICS.heartRate, comparison: 'gt' },
  bradycardia: { metric: VITAL_METRICS.heartRate, comparison: 'lt' },
  hypertension: { metric: VITAL_METRICS.systolic, comparison: 'gt' },
  fever: { metric: VITAL_METRICS.temperature, comparison: 'gt' },
  tachypnea: { metric: VITAL_METRICS.respiratoryRate, comparison: 'gt' },
};

function readingsOf(patientId: string, samples: ReturnType<typeof generateVitals>['samples']) {
  return samples.flatMap((s) =>
    s.readings.map((r) => ({ metric: r.metric, value: r.value, unit: r.unit, measuredAt: new Date(s.ts).toISOString(), deviceId: `dev-${patientId}`, patientId })),
  );
}

describe('clinical rule evaluator', () => {
  it('ok/the default rules fire once per seeded episode, inside it, on its vital; fail/never outside an episode', () => {
    const startMs = Date.UTC(2026, 10, 28, 12);
    const durationMs = 3 * 3600_000;
    let episodesSeen = 0;
    for (const seed of ['alpha', 'bravo', 'charlie']) {
      for (let deviceIndex = 0; deviceIndex < 4; deviceIndex++) {
        const patientId = `${seed}-${deviceIndex}`;
        const generated = generateVitals({ seed, deviceIndex, startMs, intervalMs: 1000, durationMs, meanEpisodeGapMs: 8 * 60_000 });
        const evaluator = new RuleEvaluator();
        // Fed in commit-sized chunks, as the group commit hands them over.
        const readings = readingsOf(patientId, generated.samples);
        const firings: Firing[] = [];
        for (let i = 0; i < readings.length; i += 600) firings.push(...evaluator.evaluate(RULES, readings.slice(i, i + 600)));
        const complete = generated.episodes.filter((e) => e.startMs >= startMs && e.endMs <= startMs + durationMs);
        episodesSeen += complete.length;
        for (const f of firings) {
          const t = Date.parse(f.reading.measuredAt);
          const episode = generated.episodes.find((e) => e.startMs <= t && t < e.endMs);
          assert.ok(episode, `${patientId}: ${f.rule.metric} ${f.rule.comparison} ${f.rule.value} fired at ${f.reading.measuredAt} outside every episode`);
          assert.equal(f.rule.metric, EXPECTED[episode.kind].metric);
          assert.equal(f.rule.comparison, EXPECTED[episode.kind].comparison);
        }
        for (const e of complete) {
          const inside = firings.filter((f) => {
            const t = Date.parse(f.reading.measuredAt);
            return e.startMs <= t && t < e.endMs;
          });
          assert.equal(inside.length, 1, `${patientId}: episode ${e.kind} at ${new Date(e.startMs).toISOString()} fired ${inside.length} times`);
          const rule = inside[0]?.rule;
          assert.ok(rule);
          // Not before the condition held for the rule's duration.
          assert.ok(Date.parse(inside[0]?.reading.measuredAt ?? '') - e.startMs >= rule.durationSeconds * 1000);
        }
      }
    }
    assert.ok(episodesSeen >= 20, `the schedule should hold many episodes (saw ${episodesSeen})`);
  });

  it('fail/normal data never fires', () => {
    const startMs = Date.UTC(2026, 10, 28, 12);
    for (let deviceIndex = 0; deviceIndex < 6; deviceIndex++) {
      const generated = generateVitals({ seed: 'normal', deviceIndex, startMs, intervalMs: 1000, durationMs: 2 * 3600_000, episodeKinds: [] });
      assert.deepEqual(new RuleEvaluator().evaluate(RULES, readingsOf(`p-${deviceIndex}`, generated.samples)), []);
    }
  });

  it('ok/the condition must hold continuously; a normal reading resets it; 0 s fires at once', () => {
    const rule: AlertRule = { id: 'r', orgId: ORG, patientId: null, metric: '59408-5', comparison: 'lt', value: 90, durationSeconds: 60, severity: 'high', enabled: true };
    const at = (s: number, value: number) => ({ metric: '59408-5', value, unit: '%', measuredAt: new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString(), deviceId: 'd', patientId: 'p' });
    const e = new RuleEvaluator();
    assert.deepEqual(e.evaluate([rule], [at(0, 85), at(30, 86), at(59, 87), at(60, 95), at(61, 85), at(120, 85), at(121, 85)]).map((f) => f.reading.measuredAt), [at(121, 85).measuredAt]);
    assert.equal(e.evaluate([rule], [at(130, 84), at(200, 84)]).length, 0, 'one firing per episode');
    assert.equal(e.evaluate([rule], [at(210, 97), at(220, 80), at(280, 80)]).length, 1, 'a new episode after a reset fires again');
    const instant = { ...rule, id: 'r0', durationSeconds: 0 };
    assert.equal(new RuleEvaluator().evaluate([instant], [at(0, 89)]).length, 1);
  });

  it('ok/a patient rule replaces the organization rules of the same metric; disabled rules do not apply', () => {
    const org = RULES.filter((r) => r.metric === '8867-4');
    const own: AlertRule = { id: 'own', orgId: ORG, patientId: 'p1', metric: '8867-4', comparison: 'gt', value: 150, durationSeconds: 0, severity: 'low', enabled: true };
    const off: AlertRule = { ...RULES[0]!, id: 'off', patientId: 'p2', enabled: false };
    const forP1 = effectiveRules([...RULES, own], 'p1');
    assert.ok(forP1.some((r) => r.id === 'own'));
    assert.ok(!forP1.some((r) => org.some((o) => o.id === r.id)));
    assert.equal(effectiveRules([...RULES, own], 'p3').filter((r) => r.metric === '8867-4').length, org.length);
    assert.ok(!effectiveRules([...RULES, off], 'p2').some((r) => r.metric === RULES[0]!.metric), 'a disabled patient rule still overrides, and applies nothing');
  });
});
