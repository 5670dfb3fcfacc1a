/**
 * The forensic timeline, the point of failure and the blast radius: pure functions over the rows
 * the TimelineSource returns for an incident's seeds (a device, a user, a source address).
 *
 * MUST: every entry names its source and a reference to the stored record (audit seq, security
 *       event id, alert id), and every blast-radius item and point-of-failure link carries the
 *       references that put it there (explainable).
 * MUST: the input rows are already scoped to the incident's organization; nothing here widens
 *       the scope (the organizations touched are the incident's own).
 * MUST: a patient is in the blast radius only when an audit record shows a successful read or
 *       change of that patient's record by a compromised user from an attack source, or after the
 *       compromise began (HIPAA §164.402: the PHI "acquired, accessed, used or disclosed").
 */
import type { IncidentSeeds } from './model.js';
import type { ChangeRequestEvent } from './ports.js';
import type { LinkedAlert, TimelineAuditRow, TimelineSecurityRow } from './store.js';

export type TimelineSourceKind = 'audit' | 'security-event' | 'alert' | 'device-connection' | 'config-change' | 'role-change' | 'telemetry-gap' | 'change-request';

export interface TimelineEntry {
  readonly time: string;
  readonly source: TimelineSourceKind;
  readonly kind: string;
  readonly outcome: string | null;
  readonly ref: string;
  readonly userId: string | null;
  readonly deviceId: string | null;
  readonly patientId: string | null;
  readonly address: string | null;
}

export type LinkKind = 'refused-then-accepted-login' | 'login-from-new-source' | 'unknown-firmware-hash' | 'access-outside-care-team';

export interface ChainLink {
  readonly kind: LinkKind;
  readonly time: string;
  readonly subject: string;
  readonly evidence: readonly string[];
}

export interface PointOfFailure {
  readonly earliest: ChainLink | null;
  readonly chain: readonly ChainLink[];
}

export interface BlastItem {
  readonly id: string;
  readonly why: readonly string[];
  readonly evidence: readonly string[];
}

export interface BlastRadius {
  readonly devices: readonly BlastItem[];
  readonly users: readonly BlastItem[];
  readonly patients: readonly BlastItem[];
  readonly organizations: readonly BlastItem[];
}

/** Why a device is in the blast radius when it reported a firmware hash other than the expected one. */
export const UNKNOWN_HASH_WHY = 'reported an unknown firmware hash';

/** Audit actions that read or change a patient's PHI. */
export const PHI_ACTIONS: ReadonlySet<string> = new Set(['patients.record.read', 'patients.record.update', 'patients.record.create', 'vitals.read', 'fhir.patient.read', 'fhir.observation.read']);
const ROLE_ACTIONS = /^identity\.(user\.grant|user\.roles|service_account)/;
const CONFIG_ACTIONS = /^(devices\.device\.set_groups|alerts\.rule\.|delivery\.channel\.|incidents\.settings|config\.)/;
const CONNECTION_EVENTS = /^(mqtt\.|device\.(connect|disconnect|certificate))/;

function auditSource(action: string): TimelineSourceKind {
  if (ROLE_ACTIONS.test(action)) return 'role-change';
  if (CONFIG_ACTIONS.test(action)) return 'config-change';
  return 'audit';
}

export function auditRef(row: TimelineAuditRow): string {
  return `audit:${row.seq}`;
}

function isUserTarget(row: TimelineAuditRow): boolean {
  return row.targetType === 'user';
}

/** Merges the rows into one list in time order (ties: by source then reference, for a stable order). */
export function mergeTimeline(audit: readonly TimelineAuditRow[], events: readonly TimelineSecurityRow[], alerts: readonly LinkedAlert[], changes: readonly ChangeRequestEvent[] = []): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const c of changes) {
    out.push({ time: c.time, source: 'change-request', kind: c.kind, outcome: c.summary, ref: `change-request:${c.id}`, userId: c.userId, deviceId: null, patientId: null, address: null });
  }
  for (const r of audit) {
    out.push({
      time: r.time,
      source: auditSource(r.action),
      kind: r.action,
      outcome: r.outcome,
      ref: auditRef(r),
      userId: r.actorKind === 'user' ? r.actorId : isUserTarget(r) ? r.targetId : null,
      deviceId: r.targetType === 'device' ? r.targetId : null,
      patientId: r.targetType === 'patient' ? r.targetId : null,
      address: r.source,
    });
  }
  for (const e of events) {
    out.push({
      time: e.time,
      source: CONNECTION_EVENTS.test(e.type) ? 'device-connection' : 'security-event',
      kind: e.type,
      outcome: e.reason,
      ref: `security-event:${e.id}`,
      userId: e.userId,
      deviceId: e.deviceId,
      patientId: e.patientId,
      address: e.source,
    });
  }
  for (const a of alerts) {
    out.push({
      time: a.firstSeenAt,
      source: a.detector === 'device-silence' ? 'telemetry-gap' : 'alert',
      kind: a.detector,
      outcome: a.severity,
      ref: `alert:${a.id}`,
      userId: a.subject.kind === 'user' ? a.subject.id : null,
      deviceId: a.subject.kind === 'device' ? a.subject.id : null,
      patientId: null,
      address: a.subject.kind === 'source' ? a.subject.id : null,
    });
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

const byTime = (a: { time: string }, b: { time: string }) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0);

/**
 * The chain that led to the incident, and its earliest link. Logins are read from the audit log
 * (identity.login.attempt: target the user, source the address).
 */
export function findPointOfFailure(seeds: IncidentSeeds, audit: readonly TimelineAuditRow[], events: readonly TimelineSecurityRow[]): PointOfFailure {
  const chain: ChainLink[] = [];
  const logins = audit.filter((r) => r.action === 'identity.login.attempt' && r.targetType === 'user').sort(byTime);
  const users = new Set(seeds.userIds);
  const sources = new Set(seeds.sources);
  // Per (user, source): a refused login followed by an accepted one; else the first accepted login from a seed source.
  const seen = new Map<string, TimelineAuditRow>();
  const linked = new Set<string>();
  for (const r of logins) {
    const key = `${r.targetId}|${r.source}`;
    if (!users.has(r.targetId) && !sources.has(r.source)) continue;
    if (r.outcome !== 'success') {
      if (!seen.has(key)) seen.set(key, r);
      continue;
    }
    if (linked.has(key)) continue;
    const refused = seen.get(key);
    if (refused) {
      linked.add(key);
      chain.push({ kind: 'refused-then-accepted-login', time: refused.time, subject: r.targetId, evidence: [auditRef(refused), auditRef(r)] });
    } else if (sources.has(r.source)) {
      linked.add(key);
      chain.push({ kind: 'login-from-new-source', time: r.time, subject: r.targetId, evidence: [auditRef(r)] });
    }
  }
  const firmware = events
    .filter((e) => e.type === 'device.firmware.reported' && e.deviceId !== null && e.details['reportedHash'] !== undefined && e.details['reportedHash'] !== e.details['expectedHash'])
    .sort(byTime);
  const firstPerDevice = new Set<string>();
  for (const e of firmware) {
    if (e.deviceId === null || firstPerDevice.has(e.deviceId)) continue;
    firstPerDevice.add(e.deviceId);
    chain.push({ kind: 'unknown-firmware-hash', time: e.time, subject: e.deviceId, evidence: [`security-event:${e.id}`] });
  }
  const outside = audit
    .filter((r) => r.action === 'patients.record.read' && r.actorKind === 'user' && users.has(r.actorId))
    .filter((r) => r.reason === 'break-glass' || (r.outcome === 'denied' && r.reason === 'care-relationship-required'))
    .sort(byTime)[0];
  if (outside) chain.push({ kind: 'access-outside-care-team', time: outside.time, subject: outside.actorId, evidence: [auditRef(outside)] });
  chain.sort(byTime);
  return { earliest: chain[0] ?? null, chain };
}

class ItemSet {
  readonly #items = new Map<string, { why: Set<string>; evidence: Set<string> }>();
  add(id: string, why: string, evidence?: string): void {
    let item = this.#items.get(id);
    if (!item) {
      item = { why: new Set(), evidence: new Set() };
      this.#items.set(id, item);
    }
    item.why.add(why);
    if (evidence !== undefined && item.evidence.size < 20) item.evidence.add(evidence);
  }
  has(id: string): boolean {
    return this.#items.has(id);
  }
  list(): BlastItem[] {
    return [...this.#items.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => ({ id, why: [...v.why], evidence: [...v.evidence] }));
  }
}

/**
 * What the attack touched. Attack sources: the seed sources plus those of the chain's logins.
 * A user is compromised when seeded or when accepted from an attack source; a patient is in the
 * radius when a compromised user read or changed the record from an attack source, or at or after
 * the compromise's start when no attack source is known.
 */
export function computeBlastRadius(orgId: string, seeds: IncidentSeeds, pof: PointOfFailure, audit: readonly TimelineAuditRow[], events: readonly TimelineSecurityRow[]): BlastRadius {
  const devices = new ItemSet();
  const users = new ItemSet();
  const patients = new ItemSet();
  const attackSources = new Set(seeds.sources);
  const byRef = new Map(audit.map((r) => [auditRef(r), r]));
  for (const link of pof.chain) {
    if (link.kind !== 'refused-then-accepted-login' && link.kind !== 'login-from-new-source') continue;
    const accepted = byRef.get(link.evidence[link.evidence.length - 1] ?? '');
    if (accepted) attackSources.add(accepted.source);
  }
  for (const id of seeds.userIds) users.add(id, 'seed');
  for (const id of seeds.deviceIds) devices.add(id, 'seed');
  for (const r of audit) {
    if (r.action === 'identity.login.attempt' && r.outcome === 'success' && r.targetType === 'user' && attackSources.has(r.source)) {
      users.add(r.targetId, `signed in from attack source ${r.source}`, auditRef(r));
    }
  }
  for (const e of events) {
    if (e.deviceId !== null && e.source !== null && attackSources.has(e.source)) devices.add(e.deviceId, `contacted by attack source ${e.source}`, `security-event:${e.id}`);
    if (e.deviceId !== null && e.type === 'device.firmware.reported' && e.details['reportedHash'] !== e.details['expectedHash']) {
      devices.add(e.deviceId, UNKNOWN_HASH_WHY, `security-event:${e.id}`);
    }
  }
  const compromiseStart = pof.earliest?.time ?? null;
  for (const r of audit) {
    if (!PHI_ACTIONS.has(r.action) || r.outcome !== 'success' || r.targetType !== 'patient') continue;
    const fromAttack = attackSources.has(r.source);
    const byCompromised = r.actorKind === 'user' && users.has(r.actorId);
    const afterStart = compromiseStart !== null && r.time >= compromiseStart;
    if (fromAttack) patients.add(r.targetId, `${r.action} from attack source ${r.source}`, auditRef(r));
    else if (byCompromised && attackSources.size === 0 && afterStart) patients.add(r.targetId, `${r.action} by compromised user after the compromise began`, auditRef(r));
  }
  const organizations = new ItemSet();
  organizations.add(orgId, 'the incident organization');
  return { devices: devices.list(), users: users.list(), patients: patients.list(), organizations: organizations.list() };
}
