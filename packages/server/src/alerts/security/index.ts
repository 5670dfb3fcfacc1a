/**
 * alerts/security: the security event stream, detectors for people and devices, and the alert
 * workflow (issue 6). See docs/detection.md.
 */
export * from './model.js';
export { DEFAULT_DETECTOR_SETTINGS, type DetectorSettings } from './settings.js';
export { buildDetectors, silenceCandidates, type SeenDevice } from './detectors/index.js';
export { DetectionEngine, OBSERVED_ONLY_TYPES, type DetectionEngineOptions } from './detection-engine.js';
export { SecurityAlertService, isAlertSeverity, type SecurityAlertScope, type SecurityAlertServiceDeps } from './alert-service.js';
export { securityAuditTap } from './audit-tap.js';
export { NO_NOTIFIER, type AlertChange, type SecurityAlertNotifier } from './notifier.js';
export type { SecurityAlertStore, SecurityAlertQuery, SecurityEventQuery, SeenDeviceRow } from './store.js';
