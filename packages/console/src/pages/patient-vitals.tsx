/**
 * A patient's vitals: the latest values, one chart per vital sign over a picked range (raw points
 * for one hour, buckets above), the alert rules' thresholds drawn on each chart, the clinical
 * alerts as markers, and live updates from the patient's event stream. The default range is the
 * shortest that holds the newest reading (15 minutes at the bedside; longer for a patient whose
 * monitor went quiet), and a drag across any chart zooms every chart to the dragged span.
 *
 * Vitals are PHI: the server applies the PHI rule (training + care team, or break-glass) to every
 * read and to the stream, and audits them; this page only shows what it was given.
 * MUST: nothing here is cached or stored in the browser (the client asks with no-store).
 */
import { Button, Group, SegmentedControl, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AlertRule, ClinicalAlert, VitalReading, VitalSeries } from '../api/types';
import {
  ALL_METRICS,
  CHART_GROUPS,
  COMPARISON_SYMBOL,
  conditionText,
  isClinicalAlert,
  isVitalReading,
  metricName,
  RANGES,
  SEVERITY_COLOR,
  unitLabel,
  type ChartGroup,
  type RangeId,
} from '../clinical';
import { StreamBadge, useEventStream } from '../components/event-stream';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { TimeChart, type ChartMarker, type ChartThreshold } from '../components/time-chart';
import { Link } from '../router';
import { useSession } from '../session';

/** Points per metric, in seconds since the epoch, ascending. */
type SeriesMap = ReadonlyMap<string, readonly { readonly t: number; readonly v: number }[]>;

interface Loaded {
  readonly from: number;
  readonly to: number;
  readonly bucketSeconds: number | undefined;
  readonly series: SeriesMap;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

function toSeriesMap(series: readonly VitalSeries[]): Map<string, { t: number; v: number }[]> {
  const map = new Map<string, { t: number; v: number }[]>();
  for (const s of series) {
    const points = s.points?.map((p) => ({ t: seconds(p.t), v: p.v })) ?? s.buckets?.map((b) => ({ t: seconds(b.t), v: b.mean })) ?? [];
    map.set(s.metric, points.filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t));
  }
  return map;
}

/** Aligns the metrics of a chart on one time axis (uPlot's AlignedData), with null where a metric has no point. */
function align(group: ChartGroup, series: SeriesMap): { times: number[]; values: (number | null)[][] } {
  const times = [...new Set(group.metrics.flatMap((m) => (series.get(m.code) ?? []).map((p) => p.t)))].sort((a, b) => a - b);
  const values = group.metrics.map((m) => {
    const at = new Map((series.get(m.code) ?? []).map((p) => [p.t, p.v]));
    return times.map((t) => at.get(t) ?? null);
  });
  return { times, values };
}

/** The rules that apply to this patient: a patient's own rule for a metric and comparison overrides the organization's. */
export function effectiveRules(rules: readonly AlertRule[], patientId: string): AlertRule[] {
  const own = rules.filter((r) => r.enabled && r.patientId === patientId);
  const org = rules.filter((r) => r.enabled && r.patientId === null && !own.some((o) => o.metric === r.metric && o.comparison === r.comparison));
  return [...own, ...org];
}

/** The bedside range, unless the newest reading is older: then the shortest range that holds it. */
export function defaultRange(newestMs: number | null, nowMs: number): RangeId {
  const bedside: RangeId = '15m';
  if (newestMs === null) return bedside;
  const age = (nowMs - newestMs) / 1000;
  const bedsideSeconds = RANGES.find((r) => r.id === bedside)?.seconds ?? 900;
  if (age <= bedsideSeconds) return bedside;
  // Some room on the left of the newest point, so it is not a thin strip at the edge.
  return RANGES.find((r) => r.seconds >= age * 1.25)?.id ?? '30d';
}

export function VitalsPanel({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const [rangeId, setRangeId] = useState<RangeId>('15m');
  // Until the latest values say where the data is, no series is loaded (one load, the right range).
  const [rangeReady, setRangeReady] = useState(false);
  const [zoom, setZoom] = useState<{ readonly from: number; readonly to: number } | null>(null);

  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[0];
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [latest, setLatest] = useState<ReadonlyMap<string, VitalReading>>(new Map());
  // The stream opens once the server has answered a vitals read: a refusal is shown once, not retried.
  const [allowed, setAllowed] = useState(false);
  const [rules, setRules] = useState<readonly AlertRule[]>([]);
  const [alerts, setAlerts] = useState<readonly ClinicalAlert[]>([]);

  // Latest values, thresholds and alerts: once per patient (the stream keeps them current).
  useEffect(() => {
    let cancelled = false;
    api.latestVitals(patientId).then(
      (r) => {
        if (cancelled) return;
        setLatest(new Map(r.vitals.map((v) => [v.metric, v])));
        const newest = r.vitals.reduce<number | null>((max, v) => Math.max(max ?? 0, Date.parse(v.measuredAt)), null);
        setRangeId(defaultRange(newest, Date.now()));
        setRangeReady(true);
        setAllowed(true);
      },
      (e: unknown) => {
        if (cancelled) return;
        setError(e);
        setRangeReady(true);
      },
    );
    // Thresholds and markers are extras: without them the charts still show the vitals.
    api.alertRules(patientId).then(
      (r) => !cancelled && setRules(r.rules),
      () => undefined,
    );
    api.clinicalAlerts({ patientId }).then(
      (r) => !cancelled && setAlerts(r.alerts),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [api, patientId]);

  // The series of the picked range.
  useEffect(() => {
    if (!rangeReady) return undefined;
    let cancelled = false;
    const to = Date.now();
    const from = to - range.seconds * 1000;
    setLoaded(null);
    setZoom(null);
    api.vitals(patientId, ALL_METRICS, new Date(from).toISOString(), new Date(to).toISOString(), range.bucketSeconds).then(
      (r) => {
        if (!cancelled) setLoaded({ from: from / 1000, to: to / 1000, bucketSeconds: range.bucketSeconds, series: toSeriesMap(r.series) });
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, patientId, range.seconds, range.bucketSeconds, rangeReady]);

  const onVital = useCallback(
    (data: unknown) => {
      if (!isVitalReading(data)) return;
      setLatest((before) => {
        const previous = before.get(data.metric);
        if (previous !== undefined && Date.parse(previous.measuredAt) > Date.parse(data.measuredAt)) return before;
        return new Map(before).set(data.metric, data);
      });
      const t = seconds(data.measuredAt);
      // The window slides with live data: it ends at the newest reading, and older points fall off.
      // On a bucketed range a live reading is drawn as its own point after the last bucket's mean
      // (the next load buckets it with the rest).
      setLoaded((before) => {
        if (before === null) return before;
        const to = Math.max(before.to, t);
        const from = to - range.seconds;
        const series = new Map<string, { t: number; v: number }[]>();
        for (const [metric, points] of before.series) series.set(metric, points.filter((p) => p.t >= from));
        const points = series.get(data.metric) ?? [];
        if (t >= from) {
          const at = points.findIndex((p) => p.t > t);
          if (at === -1) points.push({ t, v: data.value });
          else points.splice(at, 0, { t, v: data.value });
        }
        series.set(data.metric, points);
        return { ...before, from, to, series };
      });
    },
    [range.seconds],
  );
  const onAlert = useCallback((data: unknown) => {
    if (!isClinicalAlert(data)) return;
    setAlerts((before) => [data, ...before.filter((a) => a.id !== data.id)]);
  }, []);
  const stream = useEventStream(allowed ? api.vitalsStreamUrl(patientId) : null, { vital: onVital, alert: onAlert });

  const applied = useMemo(() => effectiveRules(rules, patientId), [rules, patientId]);
  const onZoom = useCallback((from: number, to: number) => setZoom({ from: Math.min(from, to), to: Math.max(from, to) }), []);
  const openAlerts = alerts.filter((a) => a.status !== 'resolved');

  return (
    <section aria-labelledby="vitals-title" className="vitals">
      <div className="page-head">
        <h2 id="vitals-title">Vitals</h2>
        <StreamBadge state={stream} />
      </div>
      <ErrorNotice error={error} />
      <LatestValues latest={latest} />
      {openAlerts.length > 0 && (
        <div className="notice notice-warning" role="status" data-testid="patient-open-alerts">
          <strong>
            {openAlerts.length} clinical alert{openAlerts.length === 1 ? '' : 's'} not resolved:
          </strong>{' '}
          {openAlerts
            .slice(0, 3)
            .map((a) => `${conditionText(a.metric, a.comparison, a.threshold)} (${a.value}, ${a.status})`)
            .join('; ')}
          . <Link to="/alerts">Open the alerts inbox</Link>
        </div>
      )}
      <Group gap="sm" wrap="wrap" align="center" className="range-picker">
        <Text component="span" fw={600} id="vitals-range-label">
          Range
        </Text>
        <SegmentedControl
          aria-labelledby="vitals-range-label"
          name="vitals-range"
          size="xs"
          value={rangeId}
          onChange={(value) => setRangeId(value as RangeId)}
          data={RANGES.map((r) => ({ value: r.id, label: r.label }))}
          className="range-segments"
        />
        {zoom !== null && (
          <Button variant="light" size="xs" onClick={() => setZoom(null)}>
            Reset zoom
          </Button>
        )}
      </Group>
      {loaded === null ? (
        <Loading what="vitals" />
      ) : (
        <>
          <p className="muted small">
            {loaded.bucketSeconds === undefined ? 'Every reading.' : `Mean per ${Math.round(loaded.bucketSeconds / 60)} minutes.`} Dashed lines are alert thresholds; ▼
            marks when an alert opened. Drag across a chart to zoom.
          </p>
          <div className="charts">
            {CHART_GROUPS.map((group) => (
              <VitalChart key={group.id} group={group} loaded={loaded} zoom={zoom} onZoom={onZoom} rules={applied} alerts={alerts} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function LatestValues({ latest }: { readonly latest: ReadonlyMap<string, VitalReading> }) {
  return (
    <dl className="latest" aria-label="Latest values">
      {ALL_METRICS.map((code) => {
        const reading = latest.get(code);
        return (
          <div key={code} className="latest-item" data-testid={`latest-${code}`}>
            <dt>{metricName(code)}</dt>
            <dd>
              {reading === undefined ? (
                <span className="muted">no reading</span>
              ) : (
                <>
                  <span className="latest-value">{reading.value}</span> {unitLabel(reading.unit)}
                  <span className="muted small">
                    {' '}
                    <Time iso={reading.measuredAt} />
                  </span>
                </>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function VitalChart({
  group,
  loaded,
  zoom,
  onZoom,
  rules,
  alerts,
}: {
  readonly group: ChartGroup;
  readonly loaded: Loaded;
  readonly zoom: { readonly from: number; readonly to: number } | null;
  readonly onZoom: (from: number, to: number) => void;
  readonly rules: readonly AlertRule[];
  readonly alerts: readonly ClinicalAlert[];
}) {
  const codes = useMemo(() => group.metrics.map((m) => m.code), [group]);
  const { times, values } = useMemo(() => align(group, loaded.series), [group, loaded.series]);
  const thresholds = useMemo<ChartThreshold[]>(
    () =>
      rules
        .filter((r) => codes.includes(r.metric))
        .map((r) => ({
          value: r.value,
          label: `${group.metrics.length > 1 ? `${metricName(r.metric)} ` : ''}${COMPARISON_SYMBOL[r.comparison]} ${r.value}${r.durationSeconds > 0 ? ` for ${r.durationSeconds} s` : ''}`,
          color: SEVERITY_COLOR[r.severity] ?? '#c92a2a',
        })),
    [rules, group, codes],
  );
  const markers = useMemo<ChartMarker[]>(
    () =>
      alerts
        .filter((a) => codes.includes(a.metric))
        .map((a) => ({ t: seconds(a.openedAt), label: conditionText(a.metric, a.comparison, a.threshold), color: SEVERITY_COLOR[a.severity] ?? '#c92a2a' })),
    [alerts, codes],
  );
  const last = values.map((line, i) => {
    for (let k = line.length - 1; k >= 0; k -= 1) {
      const v = line[k];
      if (v !== null && v !== undefined) return `${group.metrics[i]?.label ?? ''} ${v} ${unitLabel(group.unit)}`;
    }
    return `${group.metrics[i]?.label ?? ''} no data`;
  });
  const summary = `${times.length} points in range; last ${last.join(', ')}; ${thresholds.length} thresholds; ${markers.length} alert markers`;
  return (
    <TimeChart
      title={group.title}
      testId={`chart-${group.id}`}
      times={times}
      values={values}
      lines={group.metrics.map((m) => ({ label: m.label, color: m.color }))}
      unit={unitLabel(group.unit)}
      range={zoom ?? { from: loaded.from, to: loaded.to }}
      onZoom={onZoom}
      thresholds={thresholds}
      markers={markers}
      summary={summary}
    />
  );
}
