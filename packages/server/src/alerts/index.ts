/**
 * alerts: clinical threshold alerts (clinical/), security detectors and security alerts
 * (security/), and their delivery (delivery/: webhook, email, syslog).
 *
 * MUST: clinical alerts are evaluated after the readings' commit, at most one unresolved per
 *       (rule, patient), and read or changed only under the PHI rule, audited.
 */
export {
  ClinicalAlertService,
  MAX_ALERTS_LISTED,
  MAX_BULK_ACKNOWLEDGE,
  MAX_RULES_PER_ORG,
  type BulkOutcome,
  type ClinicalAlertFilter,
  type ClinicalAlertServiceDeps,
  type OpenAlertSummary,
} from './clinical/service.js';
export {
  COMPARISONS,
  SEVERITIES,
  ALERT_STATUSES,
  DEFAULT_ORG_RULES,
  MAX_DURATION_SECONDS,
  RuleEvaluator,
  effectiveRules,
  violates,
  type AlertRule,
  type ClinicalAlert,
  type ClinicalAlertStatus,
  type ClinicalSeverity,
  type Comparison,
  type Firing,
  type RuleInput,
} from './clinical/model.js';
export { ALERT_SORT, ALERT_SORT_KEYS, SEVERITY_RANK, alertPosition, type AlertSortKey } from './clinical/alert-list.js';
export { InProcessClinicalEventBus, type ClinicalEventBus, type ClinicalLiveEvent } from './clinical/live-events.js';
export type { AlertRuleStore, ClinicalAlertStore, ClinicalAlertScope } from './clinical/store.js';
// delivery/ takes the security alert types from security/ structurally; they are exported once, from there.
export {
  DeliveryService,
  DeliveryNotifier,
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  toNotification,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  formatRfc5424,
  frameOctetCounted,
  sendSyslogMessage,
  syslogPri,
  SYSLOG_APP_NAME,
  SYSLOG_SD_ID,
  emailBody,
  emailSubject,
  type ChannelInput,
  type DeliveryServiceDeps,
  channelSealContext,
  type AlertNotification,
  type ChannelKind,
  type ChannelView,
  type DeadLetterView,
  type RetryPolicy,
  type ChannelRow,
  type DeadLetterRow,
  type DeliveryScope,
  type DeliveryStore,
  type SyslogConfig,
  type OutboxRow,
  type ChannelChange,
  type ChannelPatch,
  type TargetPolicy,
  createTargetPolicy,
  TargetRefusedError,
} from './delivery/index.js';
export * from './security/index.js';
