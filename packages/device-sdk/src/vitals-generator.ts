/**
 * Realistic, deterministic vital signs for simulated patients: heart rate, SpO2, systolic and
 * diastolic blood pressure, body temperature and respiratory rate, with smooth drift, sample noise
 * and occasional abnormal episodes (desaturation, tachycardia, bradycardia, hypertension, fever,
 * tachypnea).
 *
 * Everything is a pure function of (seed, deviceIndex, startMs, options) and the sample time, so
 * the demo, the bench and the alert tests can predict which episodes occur and when:
 *   - `VitalsModel#episodesUntil(t)` is the episode schedule;
 *   - `VitalsModel#at(t)` the vitals at time t (random access, no hidden state);
 *   - `generateVitals(...)` a batch of samples at a fixed interval, with the schedule.
 *
 * MUST: outside episodes every vital is within NORMAL_RANGES; inside an episode the driven vital
 *       is within the episode's range (e.g. SpO2 82..89 for a desaturation, HR 135..165 for a
 *       tachycardia) and the others stay normal; episodes last longer than 60 s and are
 *       separated by at least MIN_QUIET_MS of normal values.
 * MUST: every value is within @vigil/protocol's physiologic range, so every envelope built from a
 *       sample passes parseTelemetry.
 */
import { type MetricCode, METRICS, type Reading } from '@vigil/protocol';

export type VitalSign = 'heartRate' | 'spo2' | 'systolic' | 'diastolic' | 'temperature' | 'respiratoryRate';
export type Vitals = Readonly<Record<VitalSign, number>>;

export interface Range {
  readonly min: number;
  readonly max: number;
}

export const VITAL_SIGNS: readonly VitalSign[] = ['heartRate', 'spo2', 'systolic', 'diastolic', 'temperature', 'respiratoryRate'];

/** LOINC code of each vital sign (FHIR R4 vital-signs profile). */
export const VITAL_METRICS: Readonly<Record<VitalSign, MetricCode>> = {
  heartRate: '8867-4',
  spo2: '59408-5',
  systolic: '8480-6',
  diastolic: '8462-4',
  temperature: '8310-5',
  respiratoryRate: '9279-1',
};

/** Adult resting normal ranges the generator keeps to outside episodes. */
export const NORMAL_RANGES: Readonly<Record<VitalSign, Range>> = {
  heartRate: { min: 55, max: 100 },
  spo2: { min: 94, max: 100 },
  systolic: { min: 95, max: 139 },
  diastolic: { min: 60, max: 89 },
  temperature: { min: 36.1, max: 37.5 },
  respiratoryRate: { min: 12, max: 20 },
};

export type EpisodeKind = 'desaturation' | 'tachycardia' | 'bradycardia' | 'hypertension' | 'fever' | 'tachypnea';

export interface EpisodeSpec {
  readonly vital: VitalSign;
  /** The range the vital stays in for the whole episode. */
  readonly range: Range;
  readonly minDurationMs: number;
  readonly maxDurationMs: number;
}

export const EPISODES: Readonly<Record<EpisodeKind, EpisodeSpec>> = {
  desaturation: { vital: 'spo2', range: { min: 82, max: 89 }, minDurationMs: 75_000, maxDurationMs: 240_000 },
  tachycardia: { vital: 'heartRate', range: { min: 135, max: 165 }, minDurationMs: 75_000, maxDurationMs: 300_000 },
  bradycardia: { vital: 'heartRate', range: { min: 36, max: 46 }, minDurationMs: 75_000, maxDurationMs: 240_000 },
  hypertension: { vital: 'systolic', range: { min: 165, max: 195 }, minDurationMs: 120_000, maxDurationMs: 600_000 },
  fever: { vital: 'temperature', range: { min: 38.4, max: 39.6 }, minDurationMs: 300_000, maxDurationMs: 900_000 },
  tachypnea: { vital: 'respiratoryRate', range: { min: 26, max: 34 }, minDurationMs: 90_000, maxDurationMs: 300_000 },
};

export const EPISODE_KINDS = Object.keys(EPISODES) as readonly EpisodeKind[];

/** Normal time kept between two episodes of one device. */
export const MIN_QUIET_MS = 60_000;

export interface Episode {
  readonly kind: EpisodeKind;
  readonly deviceIndex: number;
  readonly vital: VitalSign;
  /** Inclusive start, exclusive end (epoch ms). */
  readonly startMs: number;
  readonly endMs: number;
  /** The level the vital holds during the episode (before sample noise), within the spec range. */
  readonly level: number;
}

export interface VitalsModelOptions {
  readonly seed: number | string;
  readonly deviceIndex: number;
  /** Epoch ms the schedule starts at (the simulator's start time). */
  readonly startMs: number;
  /** Mean normal time between episodes (exponentially distributed). Default 10 minutes. */
  readonly meanEpisodeGapMs?: number;
  /** No episode starts before startMs + this. Default 30 s. */
  readonly firstEpisodeAfterMs?: number;
  /** Which episodes may occur. Default all; [] for a device that is always normal. */
  readonly episodeKinds?: readonly EpisodeKind[];
}

export interface VitalsSample {
  readonly ts: number;
  readonly vitals: Vitals;
  /** The same values as telemetry readings (LOINC code, value, UCUM unit). */
  readonly readings: Reading[];
  /** The episode in progress at ts, if any. */
  readonly episode: Episode | undefined;
}

/** How each vital wanders: baseline range, slow drift amplitude and period, sample noise, decimals. */
const SHAPE: Readonly<Record<VitalSign, { baseline: Range; drift: number; periodMs: number; noise: number; decimals: number }>> = {
  heartRate: { baseline: { min: 64, max: 84 }, drift: 8, periodMs: 20_000, noise: 2, decimals: 0 },
  spo2: { baseline: { min: 96, max: 98.5 }, drift: 1, periodMs: 30_000, noise: 0.7, decimals: 0 },
  systolic: { baseline: { min: 108, max: 126 }, drift: 8, periodMs: 60_000, noise: 3, decimals: 0 },
  diastolic: { baseline: { min: 68, max: 80 }, drift: 5, periodMs: 60_000, noise: 2, decimals: 0 },
  temperature: { baseline: { min: 36.5, max: 37.0 }, drift: 0.25, periodMs: 300_000, noise: 0.05, decimals: 1 },
  respiratoryRate: { baseline: { min: 14.5, max: 16.5 }, drift: 1.5, periodMs: 30_000, noise: 0.8, decimals: 0 },
};

/** The vital-sign process of one simulated patient. Pure: same options, same values. */
export class VitalsModel {
  readonly deviceIndex: number;
  readonly startMs: number;
  readonly baseline: Vitals;

  private readonly seedHash: number;
  private readonly meanGapMs: number;
  private readonly firstAfterMs: number;
  private readonly kinds: readonly EpisodeKind[];
  private readonly schedule: Episode[] = [];
  private readonly scheduleRandom: () => number;
  /** The time after which no episode has been scheduled yet. */
  private scheduledUntil: number;

  constructor(options: VitalsModelOptions) {
    this.deviceIndex = options.deviceIndex;
    this.startMs = options.startMs;
    this.seedHash = hashString(String(options.seed));
    this.meanGapMs = Math.max(1_000, options.meanEpisodeGapMs ?? 10 * 60_000);
    this.firstAfterMs = Math.max(0, options.firstEpisodeAfterMs ?? 30_000);
    this.kinds = options.episodeKinds ?? EPISODE_KINDS;
    const baselineRandom = prng(mix(this.seedHash, options.deviceIndex, 0x0ba5e));
    const baseline = {} as Record<VitalSign, number>;
    for (const vital of VITAL_SIGNS) {
      const { min, max } = SHAPE[vital].baseline;
      baseline[vital] = min + baselineRandom() * (max - min);
    }
    this.baseline = baseline;
    this.scheduleRandom = prng(mix(this.seedHash, options.deviceIndex, 0xe915));
    this.scheduledUntil = options.startMs + this.firstAfterMs;
  }

  /** Every episode that starts before `endMs`, in time order. */
  episodesUntil(endMs: number): Episode[] {
    this.extendSchedule(endMs);
    return this.schedule.filter((e) => e.startMs < endMs);
  }

  /** Episodes overlapping [fromMs, toMs). */
  episodesBetween(fromMs: number, toMs: number): Episode[] {
    return this.episodesUntil(toMs).filter((e) => e.endMs > fromMs);
  }

  episodeAt(tMs: number): Episode | undefined {
    this.extendSchedule(tMs + 1);
    return this.schedule.find((e) => e.startMs <= tMs && tMs < e.endMs);
  }

  /** The vitals at time tMs (epoch ms). */
  at(tMs: number): VitalsSample {
    const episode = this.episodeAt(tMs);
    const vitals = {} as Record<VitalSign, number>;
    VITAL_SIGNS.forEach((vital, index) => {
      const shape = SHAPE[vital];
      const jitter = (unit(mix(this.seedHash, this.deviceIndex, 0x5a3e + index, timeKey(tMs))) * 2 - 1) * shape.noise;
      let value: number;
      let range: Range;
      if (episode !== undefined && episode.vital === vital) {
        range = EPISODES[episode.kind].range;
        value = episode.level + jitter * 1.5;
      } else {
        range = NORMAL_RANGES[vital];
        value = this.baseline[vital] + this.drift(index, tMs) * shape.drift + jitter;
      }
      vitals[vital] = clamp(round(value, shape.decimals), range);
    });
    return { ts: tMs, vitals, readings: vitalsToReadings(vitals), episode };
  }

  /** Smooth value noise in [-1, 1]: random levels every periodMs, eased between. */
  private drift(index: number, tMs: number): number {
    const u = (tMs - this.startMs) / SHAPE[VITAL_SIGNS[index] as VitalSign].periodMs;
    const k = Math.floor(u);
    const f = u - k;
    const eased = f * f * (3 - 2 * f);
    const a = unit(mix(this.seedHash, this.deviceIndex, 0xd1f7 + index, k | 0));
    const b = unit(mix(this.seedHash, this.deviceIndex, 0xd1f7 + index, (k + 1) | 0));
    return (a + (b - a) * eased) * 2 - 1;
  }

  private extendSchedule(endMs: number): void {
    while (this.kinds.length > 0 && this.scheduledUntil < endMs) {
      const random = this.scheduleRandom;
      const gap = -Math.log(1 - random()) * this.meanGapMs;
      const kind = this.kinds[Math.floor(random() * this.kinds.length)] as EpisodeKind;
      const spec = EPISODES[kind];
      const startMs = Math.round(this.scheduledUntil + gap);
      const durationMs = Math.round(spec.minDurationMs + random() * (spec.maxDurationMs - spec.minDurationMs));
      // Keep the level away from the range edges so that noise stays inside the range.
      const margin = (spec.range.max - spec.range.min) * 0.15;
      const level = spec.range.min + margin + random() * (spec.range.max - spec.range.min - 2 * margin);
      this.schedule.push({ kind, deviceIndex: this.deviceIndex, vital: spec.vital, startMs, endMs: startMs + durationMs, level });
      this.scheduledUntil = startMs + durationMs + MIN_QUIET_MS;
    }
  }
}

/** The readings (LOINC code, value, UCUM unit) of one sample, in VITAL_SIGNS order. */
export function vitalsToReadings(vitals: Vitals): Reading[] {
  return VITAL_SIGNS.map((vital) => {
    const metric = METRICS[VITAL_METRICS[vital]];
    return { metric: metric.code, value: vitals[vital], unit: metric.unit };
  });
}

export interface GenerateVitalsOptions extends VitalsModelOptions {
  readonly intervalMs: number;
  /** How many samples; or give durationMs (count = floor(durationMs / intervalMs)). */
  readonly count?: number;
  readonly durationMs?: number;
}

export interface GeneratedVitals {
  readonly samples: VitalsSample[];
  /** Episodes overlapping the generated period. */
  readonly episodes: Episode[];
}

/** `count` samples every `intervalMs` from `startMs`, and the episode schedule over that period. */
export function generateVitals(options: GenerateVitalsOptions): GeneratedVitals {
  if (!(options.intervalMs > 0)) throw new TypeError('intervalMs must be positive');
  const count = options.count ?? Math.floor((options.durationMs ?? 0) / options.intervalMs);
  const model = new VitalsModel(options);
  const samples: VitalsSample[] = [];
  for (let i = 0; i < count; i++) samples.push(model.at(options.startMs + i * options.intervalMs));
  const endMs = options.startMs + count * options.intervalMs;
  return { samples, episodes: model.episodesBetween(options.startMs, endMs) };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function clamp(value: number, range: Range): number {
  return Math.min(range.max, Math.max(range.min, value));
}

/** Folds a millisecond time (beyond 2^32) into one 32-bit word for hashing. */
function timeKey(tMs: number): number {
  const t = Math.floor(tMs);
  return (t ^ Math.floor(t / 0x1_0000_0000)) | 0;
}

/** FNV-1a over UTF-16 code units. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes up to four 32-bit words (murmur3 finalizer per step): a stateless hash for noise. */
function mix(a: number, b: number, c: number, d = 0): number {
  let h = a >>> 0;
  for (const word of [b, c, d]) {
    h = Math.imul(h ^ (word >>> 0), 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

function unit(hash: number): number {
  return hash / 0x1_0000_0000;
}

/** mulberry32: a small, fast, seedable PRNG (not for cryptography; simulation only). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
