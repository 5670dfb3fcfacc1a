/**
 * alerts: clinical threshold alerts (clinical/), security alert delivery (delivery/: webhook,
 * email, syslog); security detectors join here.
 *
 * MUST: clinical alerts are evaluated after the readings' commit, at most one unresolved per
 *       (rule, patient), and read or changed only under the PHI rule, audited.
 */
export {
  ClinicalAlertService,
  MAX_ALERTS_LISTED,
  MAX_RULES_PER_ORG,
  type ClinicalAlertServiceDeps,
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
export { InProcessClinicalEventBus, type ClinicalEventBus, type ClinicalLiveEvent } from './clinical/live-events.js';
export type { AlertRuleStore, ClinicalAlertStore, ClinicalAlertScope } from './clinical/store.js';
export * from './delivery/index.js';
