/**
 * The clinical alerts inbox: alerts of the patients the user may see, newest first, filtered by
 * status, kept live by the server's alert stream; acknowledge ("I'm on it") and resolve.
 *
 * The server filters the list and the stream by the PHI rule; the console shows what it gets.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ClinicalAlert, ClinicalAlertStatus, ClinicalSeverity } from '../api/types';
import { conditionText, isClinicalAlert } from '../clinical';
import { StreamBadge, useEventStream } from '../components/event-stream';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

const FILTERS: readonly { readonly id: ClinicalAlertStatus | 'all'; readonly label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'acknowledged', label: 'Acknowledged' },
  { id: 'resolved', label: 'Resolved' },
  { id: 'all', label: 'All' },
];

function remember(names: Map<string, string>, a: ClinicalAlert): void {
  if (a.patientName !== undefined) names.set(a.patientId, a.patientName);
  if (a.acknowledgedBy !== null && a.acknowledgedByName !== undefined) names.set(a.acknowledgedBy, a.acknowledgedByName);
  if (a.resolvedBy !== null && a.resolvedByName !== undefined) names.set(a.resolvedBy, a.resolvedByName);
}

/** A live event (ids only) with the names the list already brought. */
function withNames(names: Map<string, string>, a: ClinicalAlert): ClinicalAlert {
  const patientName = a.patientName ?? names.get(a.patientId);
  const acknowledgedByName = a.acknowledgedByName ?? (a.acknowledgedBy === null ? undefined : names.get(a.acknowledgedBy));
  const resolvedByName = a.resolvedByName ?? (a.resolvedBy === null ? undefined : names.get(a.resolvedBy));
  return {
    ...a,
    ...(patientName !== undefined ? { patientName } : {}),
    ...(acknowledgedByName !== undefined ? { acknowledgedByName } : {}),
    ...(resolvedByName !== undefined ? { resolvedByName } : {}),
  };
}

export function SeverityBadge({ severity }: { readonly severity: string }) {
  return <span className={`badge severity-${severity}`}>{severity}</span>;
}

export function AlertsPage() {
  const { api } = useSession();
  const [filter, setFilter] = useState<ClinicalAlertStatus | 'all'>('open');
  const [severity, setSeverity] = useState<ClinicalSeverity | ''>('');
  const [alerts, setAlerts] = useState<readonly ClinicalAlert[] | null>(null);
  const [outsideCare, setOutsideCare] = useState(0);
  // Names the list brought (live events carry ids only): patient id -> name, user id -> name.
  const names = useRef(new Map<string, string>());
  const [error, setError] = useState<unknown>(null);
  const action = useAction();

  useEffect(() => {
    let cancelled = false;
    setAlerts(null);
    api.clinicalAlerts({ ...(filter === 'all' ? {} : { status: filter }), ...(severity === '' ? {} : { severity }) }).then(
      (r) => {
        if (cancelled) return;
        for (const a of r.alerts) remember(names.current, a);
        setAlerts(r.alerts);
        setOutsideCare(r.openOutsideCare);
        setAllowed(true);
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, filter, severity]);

  const upsert = useCallback(
    (alert: ClinicalAlert) =>
      setAlerts((before) => {
        if (before === null) return before;
        const rest = before.filter((a) => a.id !== alert.id);
        const shown = (filter === 'all' || alert.status === filter) && (severity === '' || alert.severity === severity);
        return shown ? [withNames(names.current, alert), ...rest].sort((a, b) => b.openedAt.localeCompare(a.openedAt)) : rest;
      }),
    [filter, severity],
  );
  // The stream opens once the list has loaded (a refused list means a refused stream).
  const [allowed, setAllowed] = useState(false);
  // What arrived live, said once to screen readers (the table changes silently otherwise).
  const [announcement, setAnnouncement] = useState('');
  const stream = useEventStream(allowed ? api.clinicalAlertsStreamUrl : null, {
    alert: (data) => {
      if (!isClinicalAlert(data)) return;
      upsert(data);
      setAnnouncement(`Alert ${data.status}: ${names.current.get(data.patientId) ?? 'a patient'}, ${conditionText(data.metric, data.comparison, data.threshold)}, value ${data.value}.`);
    },
  });

  const act = async (alert: ClinicalAlert, verb: 'acknowledge' | 'resolve') => {
    const updated = await action.run(() => (verb === 'acknowledge' ? api.acknowledgeClinicalAlert(alert.id) : api.resolveClinicalAlert(alert.id)));
    if (updated !== undefined) {
      remember(names.current, updated);
      upsert(updated);
    }
  };

  if (error !== null && alerts === null) return <ResourceProblem error={error} />;
  return (
    <section aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Clinical alerts</h1>
        <StreamBadge state={stream} />
      </div>
      <div className="tabs" role="group" aria-label="Show alerts">
        {FILTERS.map((f) => (
          <button key={f.id} type="button" aria-pressed={filter === f.id} onClick={() => setFilter(f.id)}>
            {f.label}
          </button>
        ))}
      </div>
      <label className="inline-field">
        Severity
        <select name="severity" value={severity} onChange={(e) => setSeverity(e.target.value as ClinicalSeverity | '')}>
          <option value="">any</option>
          <option value="high">high</option>
          <option value="medium">medium</option>
          <option value="low">low</option>
        </select>
      </label>
      {outsideCare > 0 && (
        <p className="notice" data-testid="alerts-outside-care">
          {outsideCare === 1 ? '1 open alert concerns' : `${outsideCare} open alerts concern`} patients outside your care: their care teams see them.
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <ErrorNotice error={action.error} />
      {alerts === null ? (
        <Loading what="alerts" />
      ) : alerts.length === 0 ? (
        <p>No {filter === 'all' ? '' : `${filter} `}alerts for the patients in your care.</p>
      ) : (
        <table className="table" data-testid="clinical-alerts">
          <thead>
            <tr>
              <th scope="col">Opened</th>
              <th scope="col">Patient</th>
              <th scope="col">Condition</th>
              <th scope="col">Value</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => {
              const who = alert.patientName ?? `patient ${alert.patientId.slice(0, 8)}`;
              return (
                <tr key={alert.id}>
                  <td>
                    <Time iso={alert.openedAt} />
                  </td>
                  <td>
                    <Link to={`/patients/${encodeURIComponent(alert.patientId)}`}>{who}</Link>
                  </td>
                  <td>{conditionText(alert.metric, alert.comparison, alert.threshold)}</td>
                  <td>{alert.value}</td>
                  <td>
                    <SeverityBadge severity={alert.severity} />
                  </td>
                  <td>
                    {alert.status}
                    {alert.acknowledgedAt !== null && (
                      <div className="muted small">
                        ack. <Time iso={alert.acknowledgedAt} />
                        {alert.acknowledgedBy !== null && ` by ${alert.acknowledgedByName ?? alert.acknowledgedBy.slice(0, 8)}`}
                      </div>
                    )}
                    {alert.resolvedAt !== null && (
                      <div className="muted small">
                        resolved <Time iso={alert.resolvedAt} />
                        {alert.resolvedBy !== null && ` by ${alert.resolvedByName ?? alert.resolvedBy.slice(0, 8)}`}
                      </div>
                    )}
                  </td>
                  <td className="row-actions">
                    {alert.status === 'open' && (
                      <button type="button" disabled={action.busy} onClick={() => void act(alert, 'acknowledge')} aria-label={`Acknowledge the alert for ${who}`}>
                        Acknowledge
                      </button>
                    )}
                    {alert.status !== 'resolved' && (
                      <button type="button" disabled={action.busy} onClick={() => void act(alert, 'resolve')} aria-label={`Resolve the alert for ${who}`}>
                        Resolve
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
