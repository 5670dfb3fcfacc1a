/**
 * The ports of the incidents module: its own store, and the read side it builds timelines from.
 * Implemented over kysely in storage/stores/incident-store.ts (SQLite and PostgreSQL).
 *
 * MUST: every method takes the organization and filters by it; there is no unscoped read.
 */
import type { SourceBlock } from './block-list.js';
import type { ContainmentAction } from './containment-model.js';
import type { Incident, IncidentStatus } from './model.js';
import type { Playbook } from './playbooks.js';

export interface IncidentSettings {
  /** Alert detectors that open (or join) an incident by themselves. */
  readonly autoOpenDetectors: readonly string[];
  /** The least severity of such an alert that opens one. */
  readonly autoOpenMinSeverity: 'medium' | 'high' | 'critical';
  /** An automatic alert joins the newest unclosed automatic incident opened within this many hours. */
  readonly joinWindowHours: number;
  /** The operator is a business associate of the covered entity (HIPAA §164.410). */
  readonly businessAssociate?: boolean;
  /** Local dates (YYYY-MM-DD, in timeZone) that are not working days. */
  readonly holidays?: readonly string[];
  /** The IANA time zone of the clocks' calendar rules (working days, calendar days, the year end); default UTC. */
  readonly timeZone?: string;
  /** Hours from discovery to tell care-continuity contacts (default 4). */
  readonly careContinuityHours?: number;
  /** The organization's own clocks (GDPR Art. 33, NIS2 Art. 23...). */
  readonly customClocks?: ReadonlyArray<{ readonly id: string; readonly recipient: string; readonly hours?: number; readonly workingDays?: number; readonly months?: number }>;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = { autoOpenDetectors: [], autoOpenMinSeverity: 'high', joinWindowHours: 24 };

export interface IncidentStore {
  insert(incident: Incident): Promise<void>;
  update(incident: Incident): Promise<void>;
  get(orgId: string, id: string): Promise<Incident | undefined>;
  list(orgId: string, filter: { status?: IncidentStatus; limit: number }): Promise<Incident[]>;
  /** The newest incident of the organization of this origin, not closed, opened at or after `since`. */
  newestOpenSince(orgId: string, since: string, origin: Incident['origin']): Promise<Incident | undefined>;
  settings(orgId: string): Promise<IncidentSettings>;
  putSettings(orgId: string, settings: IncidentSettings): Promise<void>;
  /** The organization's newest version of a playbook, when it has edited it. */
  playbook(orgId: string, id: string): Promise<Playbook | undefined>;
  putPlaybook(orgId: string, playbook: Playbook, at: string, by: string): Promise<void>;
  insertBlock(block: SourceBlock): Promise<void>;
  /** Blocks not yet expired, of every organization: the edges apply them installation-wide. */
  activeBlocks(now: string): Promise<SourceBlock[]>;
  insertAction(action: ContainmentAction): Promise<void>;
  updateAction(action: ContainmentAction): Promise<void>;
  /** Claims a pending action for one approver (compare-and-set): false when another approval claimed it first. */
  claimApproval(orgId: string, actionId: string, approvedBy: string): Promise<boolean>;
  action(orgId: string, id: string): Promise<ContainmentAction | undefined>;
  actions(orgId: string, incidentId: string): Promise<ContainmentAction[]>;
}

/** An alert as the incident sees it (linked by id; the alerts module owns it). */
export interface LinkedAlert {
  readonly id: string;
  readonly orgId: string | null;
  readonly detector: string;
  readonly severity: string;
  readonly title: string;
  readonly subject: { readonly kind: string; readonly id: string };
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
}

export interface TimelineAuditRow {
  readonly seq: number;
  readonly time: string;
  readonly actorKind: string;
  readonly actorId: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly source: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface TimelineSecurityRow {
  readonly id: string;
  readonly time: string;
  readonly type: string;
  readonly severity: string;
  readonly reason: string;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly patientId: string | null;
  readonly source: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface TimelineQuery {
  readonly orgId: string;
  readonly from: string;
  readonly to: string;
  readonly userIds: readonly string[];
  readonly deviceIds: readonly string[];
  readonly sources: readonly string[];
  readonly limit: number;
}

/** Read side: the organization's events touching the seeds in a window. */
export interface TimelineSource {
  /** Audit events whose actor or target is a seed user/device, or whose source is a seed source. */
  auditEvents(query: TimelineQuery): Promise<TimelineAuditRow[]>;
  /** Security events of a seed user, device or source. */
  securityEvents(query: TimelineQuery): Promise<TimelineSecurityRow[]>;
  /** Alerts of the organization by id (another organization's are not returned). */
  alerts(orgId: string, ids: readonly string[]): Promise<LinkedAlert[]>;
  /** Alerts of the organization on a seed subject in the window. */
  alertsOnSubjects(query: TimelineQuery): Promise<LinkedAlert[]>;
  /** Source addresses of the people's security events an alert names as evidence (device events are left out). */
  alertSources(orgId: string, alertIds: readonly string[]): Promise<string[]>;
}
