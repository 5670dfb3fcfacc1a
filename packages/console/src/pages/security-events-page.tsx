/**
 * The security event stream (security officer, org admin): every typed event from identity,
 * access, devices, ingest, audit and configuration, filtered by type, user, device, source
 * address and time. Events carry no PHI (the server's rule); they are shown as stored.
 */
import { useState, type FormEvent } from 'react';
import type { SecurityEventFilter } from '../api/types';
import { nameOr, useDirectory } from '../components/directory';
import { Loading, Time } from '../components/feedback';
import { Picker } from '../components/picker';
import { ResourceProblem, useResource } from '../components/resource';
import { Link } from '../router';
import { useSession } from '../session';
import { SeverityBadge } from './alerts-page';

const FIELDS = ['type', 'userId', 'deviceId', 'source'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = { type: 'Type', userId: 'User', deviceId: 'Device (serial)', source: 'Source address' };

/** The filter in the page's query string (links from an alert's evidence set it). */
function initialFilter(): Record<Field, string> {
  const search = new URLSearchParams(window.location.search);
  return { type: search.get('type') ?? '', userId: search.get('userId') ?? '', deviceId: search.get('deviceId') ?? '', source: search.get('source') ?? '' };
}

export function SecurityEventsPage() {
  const { api } = useSession();
  const directory = useDirectory();
  const [fields, setFields] = useState(initialFilter);
  const [hours, setHours] = useState('24');
  const [applied, setApplied] = useState<SecurityEventFilter>(() => filterOf(initialFilter(), '24'));
  const [events] = useResource(() => api.securityEvents(applied).then((r) => r.events), `security-events:${JSON.stringify(applied)}`);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setApplied(filterOf(fields, hours));
  };

  if (events.status === 'error') return <ResourceProblem error={events.error} />;
  return (
    <section aria-labelledby="security-events-title">
      <div className="page-head">
        <h1 id="security-events-title">Security events</h1>
        <Link to="/security/alerts">Security alerts</Link>
      </div>
      <form className="inline-form" onSubmit={apply} aria-label="Filter security events">
        {FIELDS.map((field) =>
          field === 'userId' || field === 'deviceId' ? (
            <Picker
              key={field}
              label={LABELS[field]}
              name={field}
              options={field === 'userId' ? directory.userOptions : directory.deviceOptions}
              value={fields[field]}
              onChange={(id) => setFields({ ...fields, [field]: id })}
            />
          ) : (
            <label key={field}>
              {LABELS[field]}
              <input name={field} autoComplete="off" value={fields[field]} onChange={(e) => setFields({ ...fields, [field]: e.target.value })} />
            </label>
          ),
        )}
        <label>
          Period
          <select name="hours" value={hours} onChange={(e) => setHours(e.target.value)}>
            <option value="1">last hour</option>
            <option value="24">last 24 hours</option>
            <option value="168">last 7 days</option>
            <option value="720">last 30 days</option>
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {events.status === 'loading' ? (
        <Loading what="security events" />
      ) : events.data.length === 0 ? (
        <p>No security events match.</p>
      ) : (
        <table className="table small" data-testid="security-events">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">Severity</th>
              <th scope="col">Reason</th>
              <th scope="col">User</th>
              <th scope="col">Device</th>
              <th scope="col">Source</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {events.data.map((e) => (
              <tr key={e.id} id={`event-${e.id}`}>
                <td>
                  <Time iso={e.time} />
                </td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>
                  <SeverityBadge severity={e.severity} />
                </td>
                <td>{e.reason ?? ''}</td>
                <td>{nameOr(directory.users, e.userId)}</td>
                <td>{nameOr(directory.devices, e.deviceId)}</td>
                <td>{e.source ?? ''}</td>
                <td className="muted">{e.requestId ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function filterOf(fields: Record<Field, string>, hours: string): SecurityEventFilter {
  const filter: Record<string, string | number> = { limit: 500 };
  for (const field of FIELDS) if (fields[field].trim() !== '') filter[field] = fields[field].trim();
  const h = Number.parseInt(hours, 10);
  if (Number.isFinite(h)) filter['from'] = new Date(Date.now() - h * 3_600_000).toISOString();
  return filter as SecurityEventFilter;
}
