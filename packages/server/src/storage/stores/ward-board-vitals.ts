/**
 * The ward board's vitals for a whole ward in a fixed number of set-based queries (issue 16),
 * instead of 1 + 2 x metrics queries per patient:
 *   1. the trends: the minute rollups (or, sealed, their hour blocks) of every patient and metric
 *      in [from, to), one query;
 *   2. the newest reading of each series: one query over the readings at or after the last minute
 *      each patient's trend has (a window function picks the newest per patient and metric);
 *   3. only for series with nothing in the trend window: their newest reading, one statement
 *      (a UNION ALL of index seeks, one per such series).
 * Sealed values are opened together (value blocks loaded once).
 *
 * MUST: the same answer as VitalsStore.latest and VitalsStore.buckets (60 s, whole minutes) per
 *       patient (storage/contract/clinical-store.contract.ts), on SQLite and PostgreSQL.
 * MUST: every query names the organization and the patients asked for.
 */
import { sql } from 'kysely';
import type { BoardSeries, VitalPoint, VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
import { hourOf, openBlocks } from './rollup-blocks.js';
import { openReadingValues } from './telemetry-store.js';

/** patientId -> metric -> series (a metric without any reading is absent). */
export type BoardSeriesMap = Map<string, Map<string, BoardSeries>>;

const MINUTE_MS = 60_000;
export const POINT_COLUMNS = ['org_id', 'patient_id', 'device_id', 'seq', 'idx', 'metric', 'value', 'value_sealed', 'unit', 'measured_at'] as const;

/** A reading's columns as the vitals reads select them (POINT_COLUMNS). */
export interface PointRow {
  org_id: string;
  patient_id: string | null;
  device_id: string;
  seq: number;
  idx: number;
  metric: string;
  value: number | null;
  value_sealed: Buffer | null;
  unit: string;
  measured_at: string;
}

const key = (patientId: string, metric: string) => `${patientId}\n${metric}`;

/** Per-minute means of every (patient, metric) in [from, to): from, to whole minutes. */
async function trends(db: Executor, sealing: VitalsSealing | undefined, orgId: string, patientIds: readonly string[], metrics: readonly string[], from: string, to: string) {
  const out = new Map<string, Array<{ t: string; v: number }>>();
  const push = (patientId: string, metric: string, t: string, v: number) => {
    const k = key(patientId, metric);
    const list = out.get(k);
    if (list === undefined) out.set(k, [{ t, v }]);
    else list.push({ t, v });
  };
  if (sealing === undefined) {
    const rows = await db
      .selectFrom('telemetry_minute_rollups')
      .select(['patient_id', 'metric', 'minute', 'sum_value', 'n'])
      .where('org_id', '=', orgId)
      .where('patient_id', 'in', [...patientIds])
      .where('metric', 'in', [...metrics])
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .orderBy('patient_id')
      .orderBy('metric')
      .orderBy('minute')
      .execute();
    for (const r of rows) if (Number(r.n) > 0) push(r.patient_id, r.metric, new Date(Date.parse(r.minute)).toISOString(), Number(r.sum_value) / Number(r.n));
    return out;
  }
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const rows = await db
    .selectFrom('telemetry_rollup_blocks')
    .select(['org_id', 'patient_id', 'metric', 'hour', 'n', 'sealed'])
    .where('org_id', '=', orgId)
    .where('patient_id', 'in', [...patientIds])
    .where('metric', 'in', [...metrics])
    .where('hour', '>=', hourOf(from))
    .where('hour', '<', to)
    .orderBy('patient_id')
    .orderBy('metric')
    .orderBy('hour')
    .execute();
  const blocks = await openBlocks(rows, sealing);
  rows.forEach((r, i) => {
    const hourMs = Date.parse(r.hour);
    (blocks[i] ?? []).forEach((slot, minute) => {
      const atMs = hourMs + minute * MINUTE_MS;
      if (slot.n > 0 && atMs >= fromMs && atMs < toMs) push(r.patient_id, r.metric, new Date(atMs).toISOString(), slot.sum / slot.n);
    });
  });
  return out;
}

/**
 * The newest reading of every series of `patientIds` x `metrics`, in a fixed number of queries.
 * `since` gives, per patient, a time at or before which its newest readings are known to lie
 * (the last minute of its trend); patients absent from it are looked up series by series.
 */
async function newest(db: Executor, orgId: string, patientIds: readonly string[], metrics: readonly string[], since: ReadonlyMap<string, string>) {
  const rows: PointRow[] = [];
  const recent = [...since.entries()];
  if (recent.length > 0) {
    const ranked = db
      .selectFrom('telemetry_readings')
      .select([...POINT_COLUMNS, sql<number>`row_number() over (partition by patient_id, metric order by measured_at desc, seq desc, idx desc)`.as('rn')])
      .where('org_id', '=', orgId)
      .where('metric', 'in', [...metrics])
      .where((eb) => eb.or(recent.map(([patientId, at]) => eb.and([eb('patient_id', '=', patientId), eb('measured_at', '>=', at)]))))
      .as('ranked');
    rows.push(...(await db.selectFrom(ranked).select([...POINT_COLUMNS]).where('rn', '=', 1).execute()));
  }
  const found = new Set(rows.map((r) => key(r.patient_id ?? '', r.metric)));
  // Series with nothing in the trend window (a quiet monitor, a metric not measured lately): one
  // statement of index seeks, newest first per series.
  const rest: Array<[string, string]> = [];
  for (const patientId of patientIds) for (const metric of metrics) if (!found.has(key(patientId, metric))) rest.push([patientId, metric]);
  if (rest.length > 0) {
    const seek = ([patientId, metric]: [string, string]) =>
      db
        .selectFrom((inner) =>
          inner
            .selectFrom('telemetry_readings')
            .select([...POINT_COLUMNS])
            .where('org_id', '=', orgId)
            .where('patient_id', '=', patientId)
            .where('metric', '=', metric)
            .orderBy('measured_at', 'desc')
            .orderBy('seq', 'desc')
            .orderBy('idx', 'desc')
            .limit(1)
            .as('one'),
        )
        .select([...POINT_COLUMNS]);
    const [first, ...others] = rest;
    if (first !== undefined) {
      let query = seek(first);
      for (const series of others) query = query.unionAll(seek(series));
      rows.push(...(await query.execute()));
    }
  }
  return rows;
}

/**
 * The board's series of many patients: the newest reading of each metric and the one-minute
 * means over [from, to) (whole minutes).
 */
export async function boardSeries(
  db: Executor,
  sealing: VitalsSealing | undefined,
  q: { readonly orgId: string; readonly patientIds: readonly string[]; readonly metrics: readonly string[]; readonly from: string; readonly to: string },
): Promise<BoardSeriesMap> {
  const out: BoardSeriesMap = new Map();
  if (q.patientIds.length === 0 || q.metrics.length === 0) return out;
  const trendOf = await trends(db, sealing, q.orgId, q.patientIds, q.metrics, q.from, q.to);
  // Per patient, the earliest of its series' last trend minutes: its newest readings are at or after it.
  const since = new Map<string, string>();
  for (const [k, points] of trendOf) {
    const [patientId = ''] = k.split('\n');
    const last = points[points.length - 1]?.t;
    if (last === undefined) continue;
    const before = since.get(patientId);
    if (before === undefined || last < before) since.set(patientId, last);
  }
  const rows = await newest(db, q.orgId, q.patientIds, q.metrics, since);
  const values = await openReadingValues(rows, sealing, db);
  const latest = new Map<string, VitalPoint>();
  rows.forEach((r, i) => {
    if (r.patient_id === null) return;
    latest.set(key(r.patient_id, r.metric), { metric: r.metric, value: values[i] ?? Number.NaN, unit: r.unit, measuredAt: r.measured_at, deviceId: r.device_id });
  });
  for (const patientId of q.patientIds) {
    const series = new Map<string, BoardSeries>();
    for (const metric of q.metrics) {
      const point = latest.get(key(patientId, metric));
      if (point === undefined) continue;
      series.set(metric, { latest: point, trend: trendOf.get(key(patientId, metric)) ?? [] });
    }
    out.set(patientId, series);
  }
  return out;
}
