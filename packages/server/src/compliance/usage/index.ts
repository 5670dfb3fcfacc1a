/**
 * compliance/usage: per-user activity, platform usage over time, the per-patient accounting of
 * disclosures (HIPAA §164.528), request counters, CSV export and Prometheus metrics.
 */
export { UsageService, type UsageServiceDeps } from './usage-service.js';
export { RequestCounter, type RequestSample } from './request-counter.js';
export { PlatformMetrics, type MetricsSources } from './platform-metrics.js';
export { toCsv, csvCell, type CsvValue } from './csv-rfc4180.js';
export {
  DISCLOSURE_VERBS,
  isDisclosureAction,
  resolveRange,
  hourOf,
  bucketPrefixLength,
  type Disclosure,
  type PlatformUsage,
  type TimeRange,
  type UsageInterval,
  type UsagePoint,
  type UserActivity,
} from './model.js';
export type { DisclosureRow, RequestCount, UsageBucketRow, UsageScope, UsageStore, UserActivityRow } from './store.js';
