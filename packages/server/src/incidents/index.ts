/**
 * incidents: incident response (issue 15). Incidents with a status state machine, playbooks as
 * checklists, the forensic timeline with the point of failure and the blast radius, and ports for
 * the actions other modules provide. See docs/incidents.md.
 */
export * from './model.js';
export { builtInPlaybooks, parsePlaybook, instantiate, INCIDENT_ACTIONS, PlaybookSchema, type Playbook } from './playbooks.js';
export { IncidentService, type IncidentScope, type IncidentServiceDeps, type IncidentTimeline, type OpenIncidentInput } from './service.js';
export { DEFAULT_INCIDENT_SETTINGS, type IncidentSettings, type IncidentStore, type LinkedAlert, type TimelineAuditRow, type TimelineQuery, type TimelineSecurityRow, type TimelineSource } from './store.js';
export { computeBlastRadius, findPointOfFailure, mergeTimeline, PHI_ACTIONS, UNKNOWN_HASH_WHY, type BlastItem, type BlastRadius, type ChainLink, type PointOfFailure, type TimelineEntry } from './timeline.js';
export { NO_CHANGE_REQUESTS, NO_DEVICE_GROUPS, NO_REMEDIATION, NO_ROLLOUT_PAUSE, type ChangeRequestEvent, type ChangeRequestSource, type DeviceGroupPort, type RemediationPort, type RolloutPausePort } from './ports.js';
export { SourceBlockList, parseCidr, type SourceBlock, type SourceGate } from './block-list.js';
export { BULK_THRESHOLD, CONTAINMENT_KINDS, needsApproval, type ActionOptions, type ActionResult, type ActionStatus, type ContainmentAction, type ContainmentKind } from './containment-model.js';
export { ContainmentService, type ContainInput, type ContainOutcome, type ContainmentPorts, type ContainmentServiceDeps } from './containment.js';
export * from './clocks.js';
export { isValidTimeZone } from './zoned-time.js';
export { renderNotice, NOTICE_PLACEHOLDERS, DEFAULT_NOTICE_TEMPLATE } from './notice-template.js';
export type { Contact, ContactKind, Notice, NotificationStore, StoredObligation } from './notification-store.js';
export { NotificationService, NO_MAILER, type AssessInput, type NoticeMailer, type NotificationScope, type NotificationServiceDeps } from './notifications.js';
export { buildReport, reportHtml, type IncidentReport } from './report.js';
