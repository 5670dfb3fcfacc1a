/**
 * Security alerts (security officer, org admin): the list with filters by status, severity and
 * detector, and one alert's detail: what was seen and how often, the evidence behind it (security
 * events and audit records), and its workflow (acknowledge, resolve, suppress with a reason,
 * assign, notes). One attack is one alert with a count: the server groups and deduplicates.
 */
import { useState, type FormEvent } from 'react';
import type { SecurityAlert, SecurityAlertFilter, SecurityAlertStatus, SecuritySeverity, UserView } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { nameOr, useDirectory, type Directory } from '../components/directory';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { SeverityBadge } from './alerts-page';

const STATUSES: readonly SecurityAlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];
const SEVERITIES: readonly SecuritySeverity[] = ['low', 'medium', 'high', 'critical'];
/** The security-events filter that finds the events of an alert's subject. */
const SUBJECT_FILTER: Partial<Record<SecurityAlert['subject']['kind'], string>> = { user: 'userId', device: 'deviceId', source: 'source' };

/** A labelled select of `choices` with a leading "any" (the empty value). */
function AnyOfFilter(props: { readonly label: string; readonly name: string; readonly value: string; readonly choices: readonly string[]; readonly onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">any</option>
        {props.choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </label>
  );
}

export function SecurityAlertsPage() {
  const { api } = useSession();
  const directory = useDirectory();
  const [status, setStatus] = useState<SecurityAlertStatus | ''>('open');
  const [severity, setSeverity] = useState<SecuritySeverity | ''>('');
  const [detector, setDetector] = useState('');
  const [applied, setApplied] = useState<SecurityAlertFilter>({ status: 'open' });
  const key = JSON.stringify(applied);
  const [alerts] = useResource(() => api.securityAlerts(applied).then((r) => r.alerts), `security-alerts:${key}`);
  // Detector names for the filter come from what has been seen (the server names its detectors).
  const [all] = useResource(() => api.securityAlerts().then((r) => r.alerts), 'security-alerts:all');
  const detectors = all.status === 'ok' ? [...new Set(all.data.map((a) => a.detector))].sort() : [];

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setApplied({ ...(status !== '' ? { status } : {}), ...(severity !== '' ? { severity } : {}), ...(detector !== '' ? { detector } : {}) });
  };

  if (alerts.status === 'error') return <ResourceProblem error={alerts.error} />;
  return (
    <section aria-labelledby="security-alerts-title">
      <div className="page-head">
        <h1 id="security-alerts-title">Security alerts</h1>
        <span>
          <Link to="/security/events">Security events</Link> · <Link to="/security/delivery">Delivery</Link>
        </span>
      </div>
      <form className="inline-form" onSubmit={apply} aria-label="Filter security alerts">
        <AnyOfFilter label="Status" name="status" value={status} choices={STATUSES} onChange={(v) => setStatus(v as SecurityAlertStatus | '')} />
        <AnyOfFilter label="Severity" name="severity" value={severity} choices={SEVERITIES} onChange={(v) => setSeverity(v as SecuritySeverity | '')} />
        <AnyOfFilter label="Detector" name="detector" value={detector} choices={detectors} onChange={setDetector} />
        <button type="submit">Filter</button>
      </form>
      {alerts.status === 'loading' ? (
        <Loading what="security alerts" />
      ) : alerts.data.length === 0 ? (
        <p>No security alerts match.</p>
      ) : (
        <table className="table" data-testid="security-alerts">
          <thead>
            <tr>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Subject</th>
              <th scope="col">Count</th>
              <th scope="col">Last seen</th>
              <th scope="col">Status</th>
              <th scope="col">Assignee</th>
            </tr>
          </thead>
          <tbody>
            {alerts.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to={`/security/alerts/${encodeURIComponent(a.id)}`}>{a.title}</Link>
                  <div className="muted small">{a.detector}</div>
                </td>
                <td>
                  <SeverityBadge severity={a.severity} />
                </td>
                <td>
                  <Subject subject={a.subject} directory={directory} />
                </td>
                <td>{a.count}</td>
                <td>
                  <Time iso={a.lastSeenAt} />
                </td>
                <td>{a.status}</td>
                <td>{a.assignee ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Subject({ subject, directory }: { readonly subject: SecurityAlert['subject']; readonly directory: Directory }) {
  switch (subject.kind) {
    case 'user':
      return <Link to={`/users/${encodeURIComponent(subject.id)}`}>user {nameOr(directory.users, subject.id)}</Link>;
    case 'device':
      return <Link to={`/devices/${encodeURIComponent(subject.id)}`}>device {nameOr(directory.devices, subject.id)}</Link>;
    case 'patient':
      return <Link to={`/patients/${encodeURIComponent(subject.id)}/disclosures`}>a patient (accounting of disclosures)</Link>;
    case 'source':
      return <span>source {subject.id}</span>;
    case 'org':
      return <span>the organization</span>;
  }
}

export function SecurityAlertPage({ alertId }: { readonly alertId: string }) {
  const { api } = useSession();
  const directory = useDirectory();
  const session = useSignedIn();
  const [alert, setAlert] = useState<SecurityAlert | null>(null);
  const [loaded] = useResource(
    () =>
      api.securityAlert(alertId).then((a) => {
        setAlert(a);
        return a;
      }),
    `security-alert:${alertId}`,
  );
  const canUsers = can(session.roles, 'users:read');
  const [users] = useResource<UserView[]>(() => (canUsers ? api.users().then((r) => r.users) : Promise.resolve([])), `security-alert-users:${canUsers}`);
  const action = useAction();
  const [suppressing, setSuppressing] = useState(false);
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState('');

  if (loaded.status === 'loading') return <Loading what="the security alert" />;
  if (loaded.status === 'error') return <ResourceProblem error={loaded.error} />;
  const a = alert ?? loaded.data;
  const manage = can(session.roles, 'security:manage');
  const known = users.status === 'ok' ? users.data : [];
  const nameOf = (userId: string) => known.find((u) => u.id === userId)?.username ?? userId;

  const run = async (fn: () => Promise<SecurityAlert>) => {
    const updated = await action.run(fn);
    if (updated !== undefined) setAlert(updated);
    return updated;
  };
  const addNote = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (note.trim() === '') return;
    if ((await run(() => api.noteSecurityAlert(a.id, note.trim()))) !== undefined) setNote('');
  };
  const assign = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (assignee.trim() === '') return;
    if ((await run(() => api.assignSecurityAlert(a.id, assignee.trim()))) !== undefined) setAssignee('');
  };

  return (
    <section aria-labelledby="security-alert-title">
      <p>
        <Link to="/security/alerts">← Security alerts</Link>
      </p>
      <h1 id="security-alert-title">{a.title}</h1>
      <p>{a.summary}</p>
      <dl className="facts">
        <dt>Detector</dt>
        <dd>{a.detector}</dd>
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={a.severity} />
        </dd>
        <dt>Subject</dt>
        <dd>
          <Subject subject={a.subject} directory={directory} />
        </dd>
        <dt>Count</dt>
        <dd data-testid="alert-count">{a.count}</dd>
        <dt>First seen</dt>
        <dd>
          <Time iso={a.firstSeenAt} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time iso={a.lastSeenAt} />
        </dd>
        <dt>Status</dt>
        <dd data-testid="alert-status">
          {a.status}
          {a.suppressedReason !== null && <> — {a.suppressedReason}</>}
        </dd>
        <dt>Assignee</dt>
        <dd>{a.assignee === null ? <span className="muted">nobody</span> : nameOf(a.assignee)}</dd>
      </dl>
      <ErrorNotice error={action.error} />
      {manage && (
        <div className="actions">
          {a.status === 'open' && (
            <button type="button" disabled={action.busy} onClick={() => void run(() => api.acknowledgeSecurityAlert(a.id))}>
              Acknowledge
            </button>
          )}
          {a.status !== 'resolved' && (
            <button type="button" className="primary" disabled={action.busy} onClick={() => void run(() => api.resolveSecurityAlert(a.id))}>
              Resolve
            </button>
          )}
          {a.status !== 'suppressed' && (
            <button type="button" disabled={action.busy} onClick={() => setSuppressing(true)}>
              Suppress…
            </button>
          )}
        </div>
      )}
      {manage && (
        <form className="inline-form" onSubmit={(event) => void assign(event)}>
          {canUsers && users.status === 'ok' ? (
            <label>
              Assign to
              <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                <option value="">Choose a user…</option>
                {known
                  .filter((u) => u.status === 'active')
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.displayName} ({u.username})
                    </option>
                  ))}
              </select>
            </label>
          ) : (
            <label>
              Assign to user id
              <input name="assignee" autoComplete="off" value={assignee} onChange={(e) => setAssignee(e.target.value)} />
            </label>
          )}
          <button type="submit" disabled={action.busy || assignee.trim() === ''}>
            Assign
          </button>
        </form>
      )}

      <h2>Evidence</h2>
      {a.evidence.securityEventIds.length === 0 && a.evidence.auditSeqs.length === 0 ? (
        <p>No evidence is linked.</p>
      ) : (
        <>
          <h3>Security events ({a.evidence.securityEventIds.length})</h3>
          <ul className="evidence" data-testid="evidence-events">
            {a.evidence.securityEventIds.map((eventId) => (
              <li key={eventId}>
                <code>{eventId}</code>
              </li>
            ))}
          </ul>
          {SUBJECT_FILTER[a.subject.kind] !== undefined && (
            <p className="small">
              <Link to={`/security/events?${SUBJECT_FILTER[a.subject.kind] ?? ''}=${encodeURIComponent(a.subject.id)}`}>Show the security events of this {a.subject.kind}</Link>
            </p>
          )}
          <h3>Audit records ({a.evidence.auditSeqs.length})</h3>
          <p className="muted small">Verify them offline with <code>vigil audit verify</code>; each is named by its sequence number in the hash chain.</p>
          <ul className="evidence" data-testid="evidence-audit">
            {a.evidence.auditSeqs.map((seq) => (
              <li key={seq}>
                <code>audit #{seq}</code>
              </li>
            ))}
          </ul>
        </>
      )}

      <h2>Notes</h2>
      {a.notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ol className="notes">
          {a.notes.map((n, i) => (
            <li key={`${n.at}-${i}`}>
              <span className="muted small">
                <Time iso={n.at} /> · {nameOf(n.by)}
              </span>
              <p>{n.text}</p>
            </li>
          ))}
        </ol>
      )}
      {manage && (
        <form className="form" onSubmit={(event) => void addNote(event)}>
          <label>
            Add a note
            <textarea name="note" rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          <button type="submit" disabled={action.busy || note.trim() === ''}>
            Add note
          </button>
        </form>
      )}
      <SuppressDialog
        open={suppressing}
        onClose={() => setSuppressing(false)}
        onSuppress={async (reason) => {
          const done = await run(() => api.suppressSecurityAlert(a.id, reason));
          if (done !== undefined) setSuppressing(false);
        }}
        busy={action.busy}
      />
    </section>
  );
}

function SuppressDialog({
  open,
  onClose,
  onSuppress,
  busy,
}: {
  readonly open: boolean;
  readonly onClose: () => void;
  readonly onSuppress: (reason: string) => Promise<void>;
  readonly busy: boolean;
}) {
  const [reason, setReason] = useState('');
  const valid = reason.trim().length >= 3;
  const close = () => {
    setReason('');
    onClose();
  };
  return (
    <Dialog open={open} title="Suppress the alert" onClose={close}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) void onSuppress(reason.trim()).then(() => setReason(''));
        }}
      >
        <p>A suppressed alert stops notifying. Say why, for the record.</p>
        <label>
          Reason
          <textarea name="reason" required rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <div className="actions">
          <button type="submit" className="danger" disabled={busy || !valid}>
            Suppress
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
