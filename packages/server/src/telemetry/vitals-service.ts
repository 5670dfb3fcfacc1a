/**
 * The vitals API: a patient's latest values, and a time range raw or in buckets (min, max, mean,
 * count per bucket, computed by the database so that a 30-day chart stays small).
 *
 * MUST: every read runs the PHI rule through patients/ (PatientService.authorizePhiRead): current
 *       training and care team, or break-glass; the decision is audited (allowed or denied) and
 *       commits BEFORE any reading is read, so no vitals leave without their audit event.
 * MUST: another organization's patient, or one outside the user's care, is VITALS_NOT_FOUND (404).
 * MUST: a series never holds more than MAX_POINTS points or buckets.
 * Buckets whose width is whole minutes start at `from` rounded down to the minute, and the range
 * ends at `to` rounded up: the store then reads per-minute rollups instead of every reading.
 */
import { METRICS, metricSpec } from '@vigil/protocol';
import { AppError, isId, principalOrg, type Clock, type RequestContext } from '../kernel/index.js';
import type { PatientService, PhiReadGrant } from '../patients/index.js';
import type { VitalBucket, VitalPoint, VitalsStore } from './store.js';

export const MAX_POINTS = 5000;
export const MAX_METRICS_PER_QUERY = 10;
/** Longest range one query may span (a year and a day). */
export const MAX_RANGE_SECONDS = 366 * 86_400;
export const DEFAULT_RANGE_SECONDS = 3600;
const MINUTE_MS = 60_000;
export const ALL_METRICS: readonly string[] = Object.keys(METRICS);

export interface VitalsRangeQuery {
  /** LOINC codes; default all known metrics. */
  readonly metrics?: readonly string[];
  readonly from?: string;
  readonly to?: string;
  /** Bucket width in seconds; absent: raw points. */
  readonly bucketSeconds?: number;
  readonly limit?: number;
  readonly order?: 'asc' | 'desc';
}

export interface VitalSeries {
  readonly metric: string;
  readonly unit: string;
  readonly points?: readonly { readonly t: string; readonly v: number }[];
  readonly buckets?: readonly VitalBucket[];
}

export interface VitalsRange {
  readonly from: string;
  readonly to: string;
  readonly bucketSeconds: number | null;
  readonly series: VitalSeries[];
  /** How the read was allowed (the audit event names it too). */
  readonly access: Pick<PhiReadGrant, 'basis' | 'grantId'>;
}

export interface VitalsServiceDeps {
  readonly patients: Pick<PatientService, 'authorizePhiRead' | 'authorizePhiReadMany'>;
  readonly store: VitalsStore;
  readonly clock: Clock;
}

/** The ward board's trend length, and its size bound (patients per board). */
export const BOARD_MINUTES = 30;
export const MAX_BOARD_PATIENTS = 100;

export interface BoardVitals {
  readonly patientId: string;
  readonly basis: PhiReadGrant['basis'];
  readonly vitals: ReadonlyArray<{
    readonly metric: string;
    readonly unit: string;
    readonly latest: { readonly v: number; readonly t: string; readonly deviceId: string } | null;
    readonly trend: ReadonlyArray<{ readonly t: string; readonly v: number }>;
  }>;
}

export class VitalsService {
  constructor(private readonly deps: VitalsServiceDeps) {}

  /** The newest reading of every metric of the patient. */
  async latest(ctx: RequestContext, patientId: string): Promise<VitalPoint[]> {
    const grant = await this.#authorize(ctx, patientId, 'telemetry.vitals.latest', {});
    return this.deps.store.latest(grant.orgId, grant.patientId, ALL_METRICS);
  }

  async range(ctx: RequestContext, patientId: string, query: VitalsRangeQuery = {}): Promise<VitalsRange> {
    const q = this.#checkQuery(query);
    const grant = await this.#authorize(ctx, patientId, 'telemetry.vitals.range', {
      metrics: q.metrics.join(','),
      from: q.from,
      to: q.to,
      bucket: q.bucketSeconds,
    });
    const series: VitalSeries[] = [];
    for (const metric of q.metrics) {
      const unit = metricSpec(metric)?.unit ?? '';
      if (q.bucketSeconds === null) {
        const points = await this.deps.store.range(grant.orgId, grant.patientId, metric, q.from, q.to, q.limit, q.order);
        series.push({ metric, unit, points: points.map((p) => ({ t: p.measuredAt, v: p.value })) });
      } else {
        const buckets = await this.deps.store.buckets(grant.orgId, grant.patientId, metric, q.from, q.to, q.bucketSeconds, q.limit);
        series.push({ metric, unit, buckets: q.order === 'desc' ? buckets.reverse() : buckets });
      }
    }
    return { from: q.from, to: q.to, bucketSeconds: q.bucketSeconds, series, access: { basis: grant.basis, grantId: grant.grantId } };
  }

  /**
   * One reading by its key (device, seq, idx), e.g. a FHIR Observation id, under the PHI rule of
   * the patient it is attributed to. A reading without a patient, of another organization, or of a
   * patient outside the user's care is VITALS_NOT_FOUND.
   */
  async reading(ctx: RequestContext, key: { deviceId: string; seq: number; idx: number }): Promise<VitalPoint & { readonly patientId: string }> {
    const orgId = principalOrg(ctx.principal);
    if (orgId === null || !isId(key.deviceId) || !Number.isSafeInteger(key.seq) || !Number.isSafeInteger(key.idx) || key.seq < 0 || key.idx < 0) throw new AppError('VITALS_NOT_FOUND');
    const found = await this.deps.store.reading(orgId, key.deviceId, key.seq, key.idx);
    if (found === undefined || found.patientId === null) throw new AppError('VITALS_NOT_FOUND');
    await this.#authorize(ctx, found.patientId, 'telemetry.vitals.reading', { deviceId: key.deviceId, seq: key.seq, idx: key.idx });
    const { patientId, ...point } = found;
    return { ...point, patientId };
  }

  /**
   * The ward board's vitals of each patient: the newest value of every metric and a trend of
   * one-minute means over the last `minutes`. One audited PHI read per patient (the rule decides
   * per patient; one refused is left out, never the whole board), all in one transaction, then the
   * series of the whole ward in a fixed number of queries (VitalsStore.boardSeries).
   */
  async board(ctx: RequestContext, patientIds: readonly string[], minutes = BOARD_MINUTES): Promise<BoardVitals[]> {
    const now = this.deps.clock.now().getTime();
    const to = new Date(Math.ceil(now / 60_000) * 60_000).toISOString();
    const from = new Date(Math.floor(now / 60_000) * 60_000 - minutes * 60_000).toISOString();
    const ids = [...new Set(patientIds)].filter(isId).slice(0, MAX_BOARD_PATIENTS);
    if (ids.length === 0) return [];
    const grants = await this.deps.patients.authorizePhiReadMany(ctx, ids, {
      permission: 'vitals:read',
      action: 'telemetry.vitals.board',
      fields: 'vitals',
      notFound: 'VITALS_NOT_FOUND',
      details: { from, to, bucket: 60 },
    });
    const allowed = ids.flatMap((id) => {
      const grant = grants.get(id);
      return grant === undefined ? [] : [grant];
    });
    const [first] = allowed;
    if (first === undefined) return [];
    const series = await this.deps.store.boardSeries(first.orgId, allowed.map((g) => g.patientId), ALL_METRICS, from, to);
    return allowed.map((grant) => {
      const own = series.get(grant.patientId);
      return {
        patientId: grant.patientId,
        basis: grant.basis,
        vitals: ALL_METRICS.map((metric) => {
          const s = own?.get(metric);
          return {
            metric,
            unit: metricSpec(metric)?.unit ?? '',
            latest: s === undefined ? null : { v: s.latest.value, t: s.latest.measuredAt, deviceId: s.latest.deviceId },
            trend: s === undefined ? [] : s.trend.slice(0, minutes + 1),
          };
        }),
      };
    });
  }

  /** Whether the user may read the patient's vitals now (audited like a read): for live streams. */
  async authorizeStream(ctx: RequestContext, patientId: string): Promise<PhiReadGrant> {
    return this.#authorize(ctx, patientId, 'telemetry.vitals.stream', {});
  }

  #authorize(ctx: RequestContext, patientId: string, action: string, details: Readonly<Record<string, string | number | null>>): Promise<PhiReadGrant> {
    if (!isId(patientId)) return Promise.reject(new AppError('VITALS_NOT_FOUND'));
    return this.deps.patients.authorizePhiRead(ctx, patientId, { permission: 'vitals:read', action, fields: 'vitals', notFound: 'VITALS_NOT_FOUND', details });
  }

  #checkQuery(query: VitalsRangeQuery) {
    const bad = (why: string): never => {
      throw new AppError('VITALS_QUERY_INVALID', { publicMessage: `The vitals query is not valid: ${why}.` });
    };
    const metrics = query.metrics === undefined || query.metrics.length === 0 ? ALL_METRICS : [...new Set(query.metrics)];
    if (metrics.length > MAX_METRICS_PER_QUERY) bad(`at most ${MAX_METRICS_PER_QUERY} metrics`);
    for (const m of metrics) if (metricSpec(m) === undefined) bad('an unknown metric');
    const now = this.deps.clock.now().getTime();
    const toMs = query.to === undefined ? now : Date.parse(query.to);
    const fromMs = query.from === undefined ? toMs - DEFAULT_RANGE_SECONDS * 1000 : Date.parse(query.from);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) bad('a time is not ISO-8601');
    if (fromMs >= toMs) bad('from must be before to');
    if (toMs - fromMs > MAX_RANGE_SECONDS * 1000) bad('the range is longer than 366 days');
    const bucket = query.bucketSeconds;
    if (bucket !== undefined && (!Number.isInteger(bucket) || bucket < 1 || bucket > 31 * 86_400)) bad('bucket must be 1 to 2678400 seconds');
    // Buckets of whole minutes: the range is widened to whole minutes, so the store answers from
    // its per-minute rollups (the response's from and to say which range was used).
    const wholeMinutes = bucket !== undefined && bucket % 60 === 0;
    const start = wholeMinutes ? Math.floor(fromMs / MINUTE_MS) * MINUTE_MS : fromMs;
    const end = wholeMinutes ? Math.ceil(toMs / MINUTE_MS) * MINUTE_MS : toMs;
    if (bucket !== undefined && Math.ceil((end - start) / (bucket * 1000)) > MAX_POINTS) bad(`more than ${MAX_POINTS} buckets; widen the bucket`);
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? MAX_POINTS)), MAX_POINTS);
    return {
      metrics,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      bucketSeconds: bucket ?? null,
      limit,
      order: query.order ?? 'asc',
    };
  }
}
