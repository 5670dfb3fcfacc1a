/**
 * alerts/security: the security event stream, detectors for people and devices, and the alert
 * workflow (issue 6). See docs/detection.md.
 */
export * from './model.js';
export { DEFAULT_DETECTOR_SETTINGS, detectorsFollowingLimits, type DetectorSettings, type DeviceLimitsView } from './settings.js';
export { buildDetectors, silenceCandidates, type SeenDevice } from './detectors/index.js';
export { DetectionEngine, OBSERVED_ONLY_TYPES, type DetectionEngineOptions } from './detection-engine.js';
export { SecurityAlertService, isAlertSeverity, type SecurityAlertScope, type SecurityAlertServiceDeps } from './alert-service.js';
export {
  SECURITY_ALERT_SORT,
  SECURITY_ALERT_SORT_KEYS,
  SECURITY_EVENT_SORT,
  SECURITY_EVENT_SORT_KEYS,
  SECURITY_SEVERITY_RANK,
  securityAlertPosition,
  securityEventPosition,
  type SecurityAlertSortKey,
  type SecurityEventSortKey,
} from './security-list.js';
export { securityAuditTap } from './audit-tap.js';
export { NO_NOTIFIER, type AlertChange, type SecurityAlertNotifier } from './notifier.js';
export type { SecurityAlertStore, SecurityAlertQuery, SecurityEventQuery, SeenDeviceRow } from './store.js';
// --- reconnect floods (issue 11 item 5): aggregation, store cap, detector state ---
export { AggregatingSecurityEventSink, type AggregationOptions } from './event-aggregator.js';
export {
  applySecurityEventRetention,
  storeCapCandidate,
  type SecurityEventLimits,
  type SecurityEventRetentionResult,
  type SecurityEventRetentionScope,
  type SecurityEventRetentionStore,
} from './event-retention.js';
