/**
 * The clinical vocabulary the console shows: the vital-sign charts (LOINC codes and UCUM units from
 * @vigil/protocol's METRICS), the chart ranges with their bucket sizes, comparisons, severities,
 * and shape checks for what arrives on a live stream.
 *
 * MUST: a stream message is checked before it is used (it is data from the network).
 */
import { METRICS } from '@vigil/protocol';
import type { ClinicalAlert, Comparison, VitalReading } from './api/types';

export interface ChartGroup {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly metrics: readonly { readonly code: string; readonly label: string; readonly color: string }[];
}

/** One chart per vital sign; systolic and diastolic blood pressure share one. */
export const CHART_GROUPS: readonly ChartGroup[] = [
  { id: 'hr', title: 'Heart rate', unit: '/min', metrics: [{ code: METRICS['8867-4'].code, label: 'Heart rate', color: '#c2255c' }] },
  { id: 'spo2', title: 'Oxygen saturation (SpO2)', unit: '%', metrics: [{ code: METRICS['59408-5'].code, label: 'SpO2', color: '#1c7ed6' }] },
  {
    id: 'bp',
    title: 'Blood pressure',
    unit: 'mm[Hg]',
    metrics: [
      { code: METRICS['8480-6'].code, label: 'Systolic', color: '#e8590c' },
      { code: METRICS['8462-4'].code, label: 'Diastolic', color: '#2b8a3e' },
    ],
  },
  { id: 'temp', title: 'Body temperature', unit: 'Cel', metrics: [{ code: METRICS['8310-5'].code, label: 'Temperature', color: '#7048e8' }] },
  { id: 'rr', title: 'Respiratory rate', unit: '/min', metrics: [{ code: METRICS['9279-1'].code, label: 'Respiratory rate', color: '#0c8599' }] },
];

export const ALL_METRICS: readonly string[] = CHART_GROUPS.flatMap((g) => g.metrics.map((m) => m.code));

/** UCUM units as people read them. */
export function unitLabel(unit: string): string {
  return { 'mm[Hg]': 'mmHg', Cel: '°C', '/min': '/min', '%': '%' }[unit] ?? unit;
}

export function metricName(code: string): string {
  return Object.hasOwn(METRICS, code) ? METRICS[code as keyof typeof METRICS].name : code;
}

/** Chart ranges: raw points up to one hour; above that, buckets (min/max/mean/count) keep charts small. */
export const RANGES = [
  { id: '5m', label: '5 minutes', seconds: 5 * 60, bucketSeconds: undefined },
  { id: '15m', label: '15 minutes', seconds: 15 * 60, bucketSeconds: undefined },
  { id: '1h', label: '1 hour', seconds: 3600, bucketSeconds: undefined },
  { id: '6h', label: '6 hours', seconds: 6 * 3600, bucketSeconds: 60 },
  { id: '24h', label: '24 hours', seconds: 24 * 3600, bucketSeconds: 5 * 60 },
  { id: '7d', label: '7 days', seconds: 7 * 86400, bucketSeconds: 30 * 60 },
  { id: '30d', label: '30 days', seconds: 30 * 86400, bucketSeconds: 2 * 3600 },
] as const;

export type RangeId = (typeof RANGES)[number]['id'];


export const COMPARISONS: readonly Comparison[] = ['lt', 'le', 'gt', 'ge'];
export const COMPARISON_SYMBOL: Record<Comparison, string> = { lt: '<', le: '≤', gt: '>', ge: '≥' };

export const SEVERITY_COLOR: Record<string, string> = { low: '#9a6700', medium: '#e8590c', high: '#c92a2a', critical: '#862e9c' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isVitalReading(value: unknown): value is VitalReading {
  return (
    isRecord(value) &&
    typeof value['metric'] === 'string' &&
    typeof value['value'] === 'number' &&
    Number.isFinite(value['value']) &&
    typeof value['unit'] === 'string' &&
    typeof value['measuredAt'] === 'string' &&
    Number.isFinite(Date.parse(value['measuredAt']))
  );
}

export function isClinicalAlert(value: unknown): value is ClinicalAlert {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['patientId'] === 'string' &&
    typeof value['metric'] === 'string' &&
    typeof value['status'] === 'string' &&
    typeof value['openedAt'] === 'string'
  );
}

/** "SpO2 < 90" for an alert or a rule. */
export function conditionText(metric: string, comparison: Comparison, value: number): string {
  return `${metricName(metric)} ${COMPARISON_SYMBOL[comparison] ?? comparison} ${value}`;
}
