/**
 * Bucketed vitals (min, max, mean, count) when values are sealed at rest (ADR 0008): the database
 * can no longer aggregate them, so the rows of the range are read (minute rollups for whole-minute
 * buckets, readings otherwise), opened, and aggregated here with the same bucket rule as the SQL
 * path: k = floor((t - from) / bucket), empty buckets absent, at most `limit` buckets, oldest first.
 *
 * MUST: give the same answer as the plaintext SQL path (storage/contract/clinical-store.contract.ts).
 */
import { AppError } from '../../kernel/index.js';
import { decodeValues, rollupContext, type VitalBucket, type VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
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
      .selectFrom('telemetry_minute_rollups')
      .select(['minute', 'n', 'sealed', 'min_value', 'max_value', 'sum_value'])
      .where('org_id', '=', q.orgId)
      .where('patient_id', '=', q.patientId)
      .where('metric', '=', q.metric)
      .where('minute', '>=', q.from)
      .where('minute', '<', q.to)
      .execute();
    const opened = await sealing.openMany(
      rows.map((r) => {
        if (r.sealed === null) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `rollup ${q.metric} at ${r.minute} is not sealed` });
        return { sealed: r.sealed, context: rollupContext(q.orgId, q.patientId, q.metric, r.minute, Number(r.n)) };
      }),
    );
    rows.forEach((r, i) => {
      const [min = Number.NaN, max = Number.NaN, sum = Number.NaN] = decodeValues(opened[i] ?? Buffer.alloc(0), 3);
      add(Date.parse(r.minute), min, max, sum, Number(r.n));
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
    const values = await openReadingValues(rows, sealing);
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
