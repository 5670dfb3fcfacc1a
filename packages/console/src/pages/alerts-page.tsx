/**
 * The clinical alerts inbox: alerts of the patients the user may see, newest first, filtered by
 * status, kept live by the server's alert stream; acknowledge ("I'm on it") and resolve.
 *
 * The server filters the list and the stream by the PHI rule; the console shows what it gets.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ClinicalAlert, ClinicalAlertStatus } from '../api/types';
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

export function SeverityBadge({ severity }: { readonly severity: string }) {
  return <span className={`badge severity-${severity}`}>{severity}</span>;
}

export function AlertsPage() {
  const { api } = useSession();
  const [filter, setFilter] = useState<ClinicalAlertStatus | 'all'>('open');
  const [alerts, setAlerts] = useState<readonly ClinicalAlert[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const action = useAction();

  useEffect(() => {
    let cancelled = false;
    setAlerts(null);
    api.clinicalAlerts(filter === 'all' ? {} : { status: filter }).then(
      (r) => {
        if (cancelled) return;
        setAlerts(r.alerts);
        setAllowed(true);
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, filter]);

  const upsert = useCallback(
    (alert: ClinicalAlert) =>
      setAlerts((before) => {
        if (before === null) return before;
        const rest = before.filter((a) => a.id !== alert.id);
        return filter === 'all' || alert.status === filter ? [alert, ...rest].sort((a, b) => b.openedAt.localeCompare(a.openedAt)) : rest;
      }),
    [filter],
  );
  // The stream opens once the list has loaded (a refused list means a refused stream).
  const [allowed, setAllowed] = useState(false);
  // What arrived live, said once to screen readers (the table changes silently otherwise).
  const [announcement, setAnnouncement] = useState('');
  const stream = useEventStream(allowed ? api.clinicalAlertsStreamUrl : null, {
    alert: (data) => {
      if (!isClinicalAlert(data)) return;
      upsert(data);
      setAnnouncement(`Alert ${data.status}: ${data.patientName ?? 'a patient'}, ${conditionText(data.metric, data.comparison, data.threshold)}, value ${data.value}.`);
    },
  });

  const act = async (alert: ClinicalAlert, verb: 'acknowledge' | 'resolve') => {
    const updated = await action.run(() => (verb === 'acknowledge' ? api.acknowledgeClinicalAlert(alert.id) : api.resolveClinicalAlert(alert.id)));
    if (updated !== undefined) upsert(updated);
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
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <ErrorNotice error={action.error} />
      {alerts === null ? (
        <Loading what="alerts" />
      ) : alerts.length === 0 ? (
        <p>No {filter === 'all' ? '' : `${filter} `}alerts for your patients.</p>
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
              const who = alert.patientName ?? alert.patientId;
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
                        {alert.acknowledgedBy !== null && ` by ${alert.acknowledgedBy}`}
                      </div>
                    )}
                    {alert.resolvedAt !== null && (
                      <div className="muted small">
                        resolved <Time iso={alert.resolvedAt} />
                        {alert.resolvedBy !== null && ` by ${alert.resolvedBy}`}
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
