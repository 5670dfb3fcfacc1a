/**
 * Incidents: the types and pure rules of incident response (issue 15). No I/O.
 *
 * MUST: the status only moves along the state machine below (triage -> contained -> eradicated ->
 *       recovered -> closed, with skips forward allowed and a re-opening from recovered back to
 *       triage when the attack recurs); every other move is refused with INCIDENT_STATE.
 * MUST: an incident belongs to exactly one organization; nothing in it names another one.
 * MUST: an incident stores ids, coded values and sealed text only: PHI (e.g. a patient's name in a
 *       note) is sealed by keys/ Sealer before it is stored.
 */

export const INCIDENT_TYPES = ['device-compromise', 'malware-in-firmware', 'credential-compromise', 'phi-breach', 'ransomware-data-loss', 'availability'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const INCIDENT_STATUSES = ['triage', 'contained', 'eradicated', 'recovered', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The allowed moves. Forward skips are allowed (an availability incident may have nothing to eradicate). */
const TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  triage: ['contained', 'eradicated', 'recovered', 'closed'],
  contained: ['eradicated', 'recovered', 'closed', 'triage'],
  eradicated: ['recovered', 'closed', 'triage'],
  recovered: ['closed', 'triage'],
  closed: [],
};

export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export type IncidentOrigin = 'manual' | 'alerts' | 'auto';

/** What the investigation starts from: the timeline and blast radius are computed from these. */
export interface IncidentSeeds {
  readonly deviceIds: readonly string[];
  readonly userIds: readonly string[];
  readonly sources: readonly string[];
}

export interface ChecklistStep {
  readonly id: string;
  readonly title: string;
  readonly ownerRole: string;
  /** ISO time: discovery + the step's deadline. */
  readonly dueAt: string;
  readonly actions: readonly string[];
  readonly doneAt: string | null;
  readonly doneBy: string | null;
}

export interface Incident {
  readonly id: string;
  readonly orgId: string;
  readonly title: string;
  readonly type: IncidentType;
  readonly severity: IncidentSeverity;
  readonly status: IncidentStatus;
  readonly origin: IncidentOrigin;
  readonly commanderId: string | null;
  readonly responderIds: readonly string[];
  readonly alertIds: readonly string[];
  readonly seeds: IncidentSeeds;
  readonly discoveredAt: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
  readonly playbook: { readonly id: string; readonly version: number };
  readonly checklist: readonly ChecklistStep[];
  /** Sealed free text (keys/ Sealer), or null. */
  readonly notesSealed: string | null;
}

export const MAX_ALERTS = 100;
export const MAX_RESPONDERS = 50;
export const MAX_SEEDS = 100;

/** Which incident type an alert detector suggests (auto-open and open-from-alerts). */
export function typeForDetector(detector: string): IncidentType {
  if (detector === 'device-firmware') return 'malware-in-firmware';
  if (detector.startsWith('device-')) return detector === 'device-silence' ? 'availability' : 'device-compromise';
  if (['bulk-phi', 'off-hours-phi', 'break-glass'].includes(detector)) return 'phi-breach';
  return 'credential-compromise';
}

/** Adds a value to a list once, bounded. */
export function addOnce<T>(list: readonly T[], values: readonly T[], max: number): T[] {
  const out = [...list];
  for (const v of values) if (!out.includes(v) && out.length < max) out.push(v);
  return out;
}

export function isIncidentType(value: string): value is IncidentType {
  return (INCIDENT_TYPES as readonly string[]).includes(value);
}
