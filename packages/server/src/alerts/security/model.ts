/**
 * Security alerts: the types shared by detectors, the alert service, the store and the routes.
 *
 * MUST: an alert carries ids, coded titles and counts only, never PHI, passwords or tokens.
 * MUST: one attack yields one alert: candidates with the same detector, organization and subject
 *       that arrive within the detector's window update the open alert (count, lastSeenAt,
 *       evidence) instead of opening another.
 */
import type { SecurityEvent, SecuritySeverity } from '../../kernel/index.js';

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved' | 'suppressed';
export type SubjectKind = 'user' | 'device' | 'source' | 'org' | 'patient';

export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['low', 'medium', 'high', 'critical'];
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];

export interface AlertSubject {
  readonly kind: SubjectKind;
  readonly id: string;
}

export interface AlertNote {
  readonly at: string;
  readonly by: string;
  readonly text: string;
}

export interface AlertEvidence {
  readonly securityEventIds: readonly string[];
  readonly auditSeqs: readonly number[];
}

export interface SecurityAlert {
  readonly id: string;
  /** null: a platform-level alert (no tenant known, e.g. a foreign certificate); platform-admins see it. */
  readonly orgId: string | null;
  readonly detector: string;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly summary: string;
  readonly subject: AlertSubject;
  readonly count: number;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly status: AlertStatus;
  readonly assignee: string | null;
  readonly suppressedReason: string | null;
  readonly notes: readonly AlertNote[];
  readonly evidence: AlertEvidence;
}

/** A security event as detectors see it: stored ones carry their id and time. */
export interface ObservedEvent extends SecurityEvent {
  readonly id: string;
  readonly time: string;
}

/** What a detector hands the alert service: "this subject looks like this attack, N more times". */
export interface AlertCandidate {
  readonly detector: string;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly summary: string;
  readonly orgId: string | null;
  readonly subject: AlertSubject;
  /** Events behind this candidate (a first firing carries the whole window). */
  readonly count: number;
  readonly at: string;
  /** Grouping window: a candidate within this many seconds of the alert's last one joins it. */
  readonly windowSeconds: number;
  readonly eventIds: readonly string[];
  readonly auditSeqs: readonly number[];
}

/** A device message as the ingest tap reports it (accepted by the transport, before the pipeline). */
export interface ObservedMessage {
  readonly deviceId: string;
  readonly orgId: string;
  readonly bytes: number;
  readonly source: string;
  readonly at: number;
}

/** A detector fed by the event stream (and optionally by device messages); bounded state, no I/O. */
export interface Detector {
  readonly name: string;
  observe(event: ObservedEvent): AlertCandidate | null;
  observeMessage?(message: ObservedMessage): AlertCandidate | null;
  /** Its state as JSON-safe data, to survive a restart (issue 11 item 5); bounded like the state. */
  snapshot?(): unknown;
  /** Loads a snapshot; MUST ignore anything malformed (the data comes back from the database). */
  restore?(state: unknown): void;
}

export function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return ALERT_SEVERITIES.indexOf(a) >= ALERT_SEVERITIES.indexOf(b) ? a : b;
}

export function alertSeverityOf(severity: SecuritySeverity): AlertSeverity {
  return severity === 'info' ? 'low' : severity;
}

/** The audit sequence number an event derived from an audit record carries (details.auditSeq). */
export function auditSeqOf(event: SecurityEvent): number[] {
  const seq = event.details?.['auditSeq'];
  return typeof seq === 'number' ? [seq] : [];
}

/** Builds a candidate from the event that triggered it. */
export function candidate(
  event: ObservedEvent,
  fields: Pick<AlertCandidate, 'detector' | 'severity' | 'title' | 'summary' | 'subject' | 'windowSeconds'> & {
    count?: number;
    /** The window's entries, when this is the first firing (their events and audit records are the evidence). */
    window?: ReadonlyArray<{ readonly id: string; readonly seq: number | undefined }>;
    orgId?: string | null;
  },
): AlertCandidate {
  return {
    detector: fields.detector,
    severity: fields.severity,
    title: fields.title,
    summary: fields.summary,
    subject: fields.subject,
    windowSeconds: fields.windowSeconds,
    orgId: fields.orgId !== undefined ? fields.orgId : (event.orgId ?? null),
    count: fields.count ?? 1,
    at: event.time,
    eventIds: fields.window ? fields.window.map((e) => e.id) : [event.id],
    auditSeqs: fields.window ? fields.window.flatMap((e) => (e.seq !== undefined ? [e.seq] : [])) : auditSeqOf(event),
  };
}
