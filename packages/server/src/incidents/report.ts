/**
 * The post-incident report: summary, timeline, point of failure, blast radius, actions,
 * notifications against their deadlines, and lessons. Pure rendering: JSON and HTML (the CLI
 * prints HTML to PDF with Chromium and signs the bytes with the audit signing key).
 *
 * MUST: the HTML escapes every value (incident titles and reasons are user input).
 * MUST: the report carries ids and counts, never patients' names or other sealed PHI.
 */
import type { ContainmentAction } from './containment-model.js';
import type { Incident } from './model.js';
import type { Notice, StoredObligation } from './notification-store.js';
import type { IncidentTimeline } from './service.js';

export interface IncidentReport {
  readonly generatedAt: string;
  readonly incident: Omit<Incident, 'notesSealed'>;
  readonly pointOfFailure: IncidentTimeline['pointOfFailure'];
  readonly blastRadius: IncidentTimeline['blastRadius'];
  readonly timeline: IncidentTimeline['entries'];
  readonly actions: readonly ContainmentAction[];
  readonly notifications: ReadonlyArray<StoredObligation & { readonly notices: readonly Notice[]; readonly onTime: boolean | null }>;
  readonly lessons: string;
}

export function buildReport(input: { generatedAt: string; incident: Incident; timeline: IncidentTimeline; actions: readonly ContainmentAction[]; obligations: readonly StoredObligation[]; notices: readonly Notice[]; lessons: string }): IncidentReport {
  const { notesSealed, ...incident } = input.incident;
  void notesSealed;
  return {
    generatedAt: input.generatedAt,
    incident,
    pointOfFailure: input.timeline.pointOfFailure,
    blastRadius: input.timeline.blastRadius,
    timeline: input.timeline.entries,
    actions: input.actions,
    notifications: input.obligations.map((o) => {
      const notices = input.notices.filter((n) => n.obligationId === o.id);
      const first = notices[0]?.sentAt;
      return { ...o, notices, onTime: o.dueAt === null || first === undefined ? null : first <= o.dueAt };
    }),
    lessons: input.lessons,
  };
}

const escape = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
const table = (head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string =>
  `<table><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

export function reportHtml(r: IncidentReport): string {
  const i = r.incident;
  const blast = (['devices', 'users', 'patients', 'organizations'] as const).flatMap((k) => r.blastRadius[k].map((x) => [k, x.id, x.why.join('; '), x.evidence.join(' ')]));
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Post-incident report</title>',
    '<style>body{font:12px system-ui,sans-serif;margin:24px}table{border-collapse:collapse;width:100%;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}h1{font-size:18px}h2{font-size:14px;margin-top:20px}</style></head><body>',
    `<h1>Post-incident report: ${escape(i.title)}</h1>`,
    table(['incident', 'type', 'severity', 'status', 'discovered', 'opened', 'closed', 'commander'], [[i.id, i.type, i.severity, i.status, i.discoveredAt, i.openedAt, i.closedAt ?? '-', i.commanderId ?? '-']]),
    '<h2>Point of failure</h2>',
    table(['link', 'time', 'subject', 'evidence'], r.pointOfFailure.chain.map((l) => [l.kind + (l === r.pointOfFailure.earliest ? ' (earliest)' : ''), l.time, l.subject, l.evidence.join(' ')])),
    '<h2>Blast radius</h2>',
    table(['kind', 'id', 'why', 'evidence'], blast),
    '<h2>Containment and eradication</h2>',
    table(['action', 'kind', 'targets', 'status', 'requested by', 'approved by', 'completed'], r.actions.map((a) => [a.id, a.kind, a.targets.length, a.status, a.requestedBy, a.approvedBy ?? '-', a.completedAt ?? '-'])),
    '<h2>Notifications</h2>',
    table(['rule', 'recipient', 'due', 'status', 'sent', 'on time', 'SHA-256'], r.notifications.map((o) => [o.rule, o.recipient, o.dueAt ?? 'not required', o.status + (o.reason !== null ? ` (${o.reason})` : ''), o.notices.map((n) => n.sentAt).join(' '), o.onTime === null ? '-' : o.onTime ? 'yes' : 'LATE', o.notices.map((n) => n.sha256).join(' ')])),
    '<h2>Checklist</h2>',
    table(['step', 'owner', 'due', 'done', 'by'], i.checklist.map((s) => [s.title, s.ownerRole, s.dueAt, s.doneAt ?? '-', s.doneBy ?? '-'])),
    '<h2>Timeline</h2>',
    table(['time', 'source', 'event', 'outcome', 'reference'], r.timeline.slice(0, 5000).map((e) => [e.time, e.source, e.kind, e.outcome ?? '', e.ref])),
    '<h2>Lessons</h2>',
    `<p>${escape(r.lessons)}</p>`,
    `<p>Generated ${escape(r.generatedAt)}.</p></body></html>`,
  ].join('\n');
}
