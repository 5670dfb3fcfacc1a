/**
 * Incident response (issue 15): the incidents list, and an incident's page with its checklist,
 * notification clocks (countdowns), blast radius (a Cytoscape.js graph) and the timeline filterable
 * by source and zoomable in time (incident-timeline.tsx). Self-contained: its own same-origin
 * fetch helper (cookie session + CSRF token), so it does not touch the shared API client.
 *
 * MUST: same-origin, no caching (answers may name patients by id), CSRF on state changes.
 * MUST: the server decides every request; a refused one shows its public message.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { Link } from '../router';
import { can } from '../capabilities';
import { useSignedIn } from '../session';
import { call, type BlastItem, type BlastRadius, type IncidentList, type IncidentTimeline, type IncidentView, type ObligationList } from './incident-api';
import { ContainmentPanel } from './incident-containment';
import { IncidentSettingsPanel } from './incident-settings';
import { TimelineView } from './incident-timeline';

function useCsrf(): string {
  return useSignedIn().csrfToken;
}

export function IncidentsPage() {
  const csrf = useCsrf();
  const manage = can(useSignedIn().roles, 'incidents:manage');
  const [incidents, setIncidents] = useState<IncidentList['incidents'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call<IncidentList>(csrf, 'GET', '/api/v1/incidents').then((r) => setIncidents(r.incidents), setError);
  }, [csrf]);
  if (error !== null) return <ErrorNotice error={error} />;
  if (incidents === null) return <Loading what="incidents" />;
  return (
    <section>
      <h1>Incidents</h1>
      {incidents.length === 0 ? (
        <p>No incidents.</p>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Title</th><th>Type</th><th>Severity</th><th>Status</th><th>Discovered</th></tr>
          </thead>
          <tbody>
            {incidents.map((i) => (
              <tr key={i.id}>
                <td><Link to={`/incidents/${i.id}`}>{i.title}</Link></td>
                <td>{i.type}</td>
                <td><span className={`badge severity-${i.severity}`}>{i.severity}</span></td>
                <td>{i.status}</td>
                <td><Time iso={i.discoveredAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <IncidentSettingsPanel csrf={csrf} manage={manage} />
    </section>
  );
}

function countdown(dueAt: string | null, now: number): string {
  if (dueAt === null) return 'not required';
  const ms = Date.parse(dueAt) - now;
  const hours = Math.floor(Math.abs(ms) / 3_600_000);
  const text = hours >= 48 ? `${Math.floor(hours / 24)} days` : `${hours} h ${Math.floor((Math.abs(ms) % 3_600_000) / 60_000)} min`;
  return ms < 0 ? `overdue by ${text}` : `${text} left`;
}

/**
 * The blast radius as a graph (Cytoscape.js, loaded on demand): the incident in the middle, each
 * touched device, user, patient and organization around it; selecting a node shows why it is there.
 */
function BlastGraph({ blast }: { readonly blast: BlastRadius }) {
  const [host, setHost] = useState<HTMLDivElement | null>(null);
  const [picked, setPicked] = useState<{ kind: string; item: BlastItem } | null>(null);
  useEffect(() => {
    if (host === null) return undefined;
    let destroyed = false;
    let destroy: (() => void) | undefined;
    const kinds = [['devices', '#b35c00'], ['users', '#1f5fa8'], ['patients', '#a11f4a'], ['organizations', '#3d7a3d']] as const;
    const items = new Map<string, { kind: string; item: BlastItem }>();
    void import('cytoscape').then(({ default: cytoscape }) => {
      if (destroyed) return;
      const elements: Array<{ data: Record<string, string> }> = [{ data: { id: 'incident', label: 'incident', color: '#333' } }];
      for (const [kind, color] of kinds) {
        for (const item of blast[kind]) {
          const id = `${kind}:${item.id}`;
          items.set(id, { kind, item });
          elements.push({ data: { id, label: `${kind.slice(0, -1)} ${item.id.slice(0, 8)}`, color } });
          elements.push({ data: { id: `e-${id}`, source: 'incident', target: id } });
        }
      }
      const cy = cytoscape({
        container: host,
        elements,
        layout: { name: 'concentric', concentric: (n) => (n.id() === 'incident' ? 2 : 1), levelWidth: () => 1, minNodeSpacing: 12 },
        style: [
          { selector: 'node', style: { 'background-color': 'data(color)', label: 'data(label)', 'font-size': 9, width: 14, height: 14 } },
          { selector: 'edge', style: { width: 1, 'line-color': '#bbb' } },
        ],
        userZoomingEnabled: true,
      });
      cy.on('tap', 'node', (event) => setPicked(items.get(event.target.id()) ?? null));
      destroy = () => cy.destroy();
    });
    return () => {
      destroyed = true;
      destroy?.();
    };
  }, [host, blast]);
  return (
    <div>
      {/* Cytoscape injects a <style> element unless one with this id exists; CSP (style-src 'self') refuses inline
          stylesheets, so the rule it would add lives in styles.css and this marker stops the injection. */}
      <span hidden id="__________cytoscape_stylesheet" />
      <div ref={setHost} className="blast-graph" role="img" aria-label="Blast radius graph" />
      {picked !== null ? (
        <p>
          {picked.kind.slice(0, -1)} {picked.item.id}: {picked.item.why.join('; ')} ({picked.item.evidence.join(', ')})
        </p>
      ) : (
        <p>Select a node to see why it is in the blast radius.</p>
      )}
    </div>
  );
}

export function IncidentPage({ incidentId }: { readonly incidentId: string }) {
  const csrf = useCsrf();
  const manage = can(useSignedIn().roles, 'incidents:manage');
  const [incident, setIncident] = useState<IncidentView | null>(null);
  const [timeline, setTimeline] = useState<IncidentTimeline | null>(null);
  const [obligations, setObligations] = useState<ObligationList['obligations']>([]);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(() => Date.now());
  const base = `/api/v1/incidents/${encodeURIComponent(incidentId)}`;
  const load = useCallback(() => {
    call<IncidentView>(csrf, 'GET', base).then(setIncident, setError);
    call<IncidentTimeline>(csrf, 'GET', `${base}/timeline`).then(setTimeline, setError);
    call<ObligationList>(csrf, 'GET', `${base}/obligations`).then((r) => setObligations(r.obligations), () => setObligations([]));
  }, [csrf, base]);
  useEffect(load, [load]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const done = (stepId: string) => call<IncidentView>(csrf, 'POST', `${base}/steps/${encodeURIComponent(stepId)}/done`).then(setIncident, setError);
  if (error !== null) return <ErrorNotice error={error} />;
  if (incident === null) return <Loading what="the incident" />;
  return (
    <section>
      <h1>{incident.title}</h1>
      <p>
        {incident.type} · <span className={`badge severity-${incident.severity}`}>{incident.severity}</span> · {incident.status} · discovered <Time iso={incident.discoveredAt} />
      </p>
      <h2>Checklist</h2>
      <ul>
        {incident.checklist.map((s) => (
          <li key={s.id}>
            {s.doneAt !== null ? '✓ ' : ''}
            {s.title} ({s.ownerRole}, {countdown(s.doneAt !== null ? null : s.dueAt, now)})
            {s.doneAt === null && incident.status !== 'closed' ? (
              <button type="button" onClick={() => void done(s.id)}>Done</button>
            ) : null}
          </li>
        ))}
      </ul>
      <h2>Notification clocks</h2>
      {obligations.length === 0 ? (
        <p>No assessment recorded yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Rule</th><th>Recipient</th><th>Due</th><th>Status</th></tr>
          </thead>
          <tbody>
            {obligations.map((o) => (
              <tr key={o.id}>
                <td>{o.rule}</td>
                <td>{o.recipient}</td>
                <td>{o.status === 'pending' ? countdown(o.dueAt, now) : <Time iso={o.dueAt} />}</td>
                <td>{o.status}{o.reason !== null ? ` (${o.reason})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {timeline === null ? (
        <Loading what="the timeline" />
      ) : (
        <>
          <h2>Point of failure</h2>
          <p>{timeline.pointOfFailure.earliest === null ? 'Not found yet.' : `${timeline.pointOfFailure.earliest.kind} (${timeline.pointOfFailure.earliest.subject}) at ${timeline.pointOfFailure.earliest.time}; evidence ${timeline.pointOfFailure.earliest.evidence.join(', ')}`}</p>
          <h2>Blast radius</h2>
          <p>
            {timeline.blastRadius.devices.length} devices · {timeline.blastRadius.users.length} users · {timeline.blastRadius.patients.length} patients · {timeline.blastRadius.organizations.length} organization
          </p>
          <BlastGraph blast={timeline.blastRadius} />
          <ContainmentPanel base={base} csrf={csrf} manage={manage && incident.status !== 'closed'} blast={{ devices: timeline.blastRadius.devices.map((d) => ({ id: d.id, unknownHash: d.why.includes('reported an unknown firmware hash') })), users: timeline.blastRadius.users.map((u) => u.id) }} />
          <TimelineView timeline={timeline} />
        </>
      )}
    </section>
  );
}
