/**
 * Bucketed vitals (min, max, mean, count) when values are sealed at rest (ADR 0008): the database
 * can no longer aggregate them, so the rows of the range are read (the sealed hour blocks of minute
 * rollups for whole-minute buckets, readings otherwise), opened, and aggregated here with the same bucket rule as the SQL
 * path: k = floor((t - from) / bucket), empty buckets absent, at most `limit` buckets, oldest first.
 *
 * MUST: give the same answer as the plaintext SQL path (storage/contract/clinical-store.contract.ts).
 */
import type { VitalBucket, VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
import { hourOf, openBlocks } from './rollup-blocks.js';
import { openReadingValues } from './telemetry-store.js';

export interface BucketQuery {
  readonly orgId: string;
  readonly patientId: string;
  readonly metric: string;
  readonly from: string;
  readonly to: string;
  readonly fromMs: number;
  readonly bucketMs: number;
  readonly limit: number;
  /** from, to and the bucket are whole minutes: the rollups answer exactly. */
  readonly wholeMinutes: boolean;
}

interface Acc {
  min: number;
  max: number;
  sum: number;
  n: number;
}

export async function sealedBuckets(db: Executor, sealing: VitalsSealing, q: BucketQuery): Promise<VitalBucket[]> {
  const acc = new Map<number, Acc>();
  const fromMs = Date.parse(q.from);
  const toMs = Date.parse(q.to);
  const add = (atMs: number, min: number, max: number, sum: number, n: number): void => {
    const k = Math.floor((atMs - q.fromMs) / q.bucketMs);
    const a = acc.get(k);
    if (a === undefined) acc.set(k, { min, max, sum, n });
    else {
      a.min = Math.min(a.min, min);
      a.max = Math.max(a.max, max);
      a.sum += sum;
      a.n += n;
    }
  };
  if (q.wholeMinutes) {
    const rows = await db
      .selectFrom('telemetry_rollup_blocks')
      .select(['org_id', 'patient_id', 'metric', 'hour', 'n', 'sealed'])
      .where('org_id', '=', q.orgId)
      .where('patient_id', '=', q.patientId)
      .where('metric', '=', q.metric)
      .where('hour', '>=', hourOf(q.from))
      .where('hour', '<', q.to)
      .execute();
    const blocks = await openBlocks(rows, sealing);
    rows.forEach((r, i) => {
      const hourMs = Date.parse(r.hour);
      (blocks[i] ?? []).forEach((slot, minute) => {
        const atMs = hourMs + minute * 60_000;
        if (slot.n > 0 && atMs >= fromMs && atMs < toMs) add(atMs, slot.min, slot.max, slot.sum, slot.n);
      });
    });
  } else {
    const rows = await db
      .selectFrom('telemetry_readings')
      .select(['org_id', 'patient_id', 'device_id', 'seq', 'idx', 'metric', 'measured_at', 'value', 'value_sealed'])
      .where('org_id', '=', q.orgId)
      .where('patient_id', '=', q.patientId)
      .where('metric', '=', q.metric)
      .where('measured_at', '>=', q.from)
      .where('measured_at', '<', q.to)
      .execute();
    const values = await openReadingValues(rows, sealing, db);
    rows.forEach((r, i) => {
      const v = values[i] ?? Number.NaN;
      add(Date.parse(r.measured_at), v, v, v, 1);
    });
  }
  return [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(0, q.limit)
    .map(([k, a]) => ({ t: new Date(q.fromMs + k * q.bucketMs).toISOString(), min: a.min, max: a.max, mean: a.sum / a.n, count: a.n }));
}
