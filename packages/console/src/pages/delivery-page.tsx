/**
 * Where security alerts go: delivery channels (a signed webhook, email over SMTP, syslog RFC 5424
 * to a SIEM) and the dead-letter list of notifications that failed every retry, with "retry".
 *
 * MUST: a channel's secrets (webhook signing key, SMTP password) are entered once and never shown
 *       again: the server answers with the target only.
 */
import { useState, type FormEvent } from 'react';
import type { ChannelKind, SecuritySeverity } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { SeverityBadge } from './alerts-page';

export function DeliveryPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const [channels, reloadChannels] = useResource(() => api.channels().then((r) => r.channels), 'channels');
  const [deadLetters, reloadDeadLetters] = useResource(() => api.deadLetters().then((r) => r.deadLetters), 'dead-letters');
  const [adding, setAdding] = useState(false);
  const [retried, setRetried] = useState<string | null>(null);
  const action = useAction();
  const manage = can(session.roles, 'delivery:manage');
  const channelName = (id: string) => (channels.status === 'ok' ? (channels.data.find((c) => c.id === id)?.name ?? id) : id);

  const retry = async (id: string) => {
    setRetried(null);
    const done = await action.run(async () => {
      await api.retryDeadLetter(id);
      return true;
    });
    if (done === true) {
      setRetried(id);
      reloadDeadLetters();
    }
  };

  if (channels.status === 'error') return <ResourceProblem error={channels.error} />;
  return (
    <section aria-labelledby="delivery-title">
      <div className="page-head">
        <h1 id="delivery-title">Alert delivery</h1>
        <Link to="/security/alerts">Security alerts</Link>
      </div>
      <div className="page-head">
        <h2>Channels</h2>
        {manage && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add a channel
          </button>
        )}
      </div>
      {channels.status === 'loading' ? (
        <Loading what="channels" />
      ) : channels.data.length === 0 ? (
        <p>No channel: security alerts are only shown here.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Target</th>
              <th scope="col">From severity</th>
              <th scope="col">Enabled</th>
            </tr>
          </thead>
          <tbody>
            {channels.data.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.kind}</td>
                <td>
                  <code>{c.target}</code>
                </td>
                <td>
                  <SeverityBadge severity={c.minSeverity} />
                </td>
                <td>{c.enabled ? 'yes' : <span className="muted">no</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Dead letters</h2>
      <p className="muted small">Notifications that failed every retry (with back-off). Retry sends one again now.</p>
      <ErrorNotice error={action.error} />
      {retried !== null && (
        <p className="notice" role="status">
          Queued for another attempt.
        </p>
      )}
      {deadLetters.status === 'loading' ? (
        <Loading what="dead letters" />
      ) : deadLetters.status === 'error' ? (
        <ErrorNotice error={deadLetters.error} />
      ) : deadLetters.data.length === 0 ? (
        <p>None: every notification was delivered.</p>
      ) : (
        <table className="table" data-testid="dead-letters">
          <thead>
            <tr>
              <th scope="col">Since</th>
              <th scope="col">Channel</th>
              <th scope="col">Alert</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              {manage && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {deadLetters.data.map((d) => (
              <tr key={d.id}>
                <td>
                  <Time iso={d.createdAt} />
                </td>
                <td>{channelName(d.channelId)}</td>
                <td>
                  <Link to={`/security/alerts/${encodeURIComponent(d.alertId)}`}>{d.alertId}</Link>
                </td>
                <td>{d.attempts}</td>
                <td className="reason">{d.lastError}</td>
                {manage && (
                  <td>
                    <button type="button" disabled={action.busy} onClick={() => void retry(d.id)} aria-label={`Retry the notification to ${channelName(d.channelId)}`}>
                      Retry
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && (
        <ChannelDialog
          onClose={() => setAdding(false)}
          onSaved={() => {
            setAdding(false);
            reloadChannels();
          }}
        />
      )}
    </section>
  );
}

const KINDS: readonly ChannelKind[] = ['webhook', 'email', 'syslog'];
const SEVERITIES: readonly SecuritySeverity[] = ['low', 'medium', 'high', 'critical'];

/**
 * The channel's `config` is not spelled out by the API contract beyond "url/host, no secrets in
 * answers"; these are the obvious fields per kind (see docs/detection.md for the server's names).
 */
function ChannelDialog({ onClose, onSaved }: { readonly onClose: () => void; readonly onSaved: () => void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<ChannelKind>('webhook');
  const [name, setName] = useState('');
  const [minSeverity, setMinSeverity] = useState<SecuritySeverity>('medium');
  const [config, setConfig] = useState<Record<string, string>>({});
  const action = useAction();
  const field = (key: string, label: string, type = 'text') => (
    <label key={key}>
      {label}
      <input name={key} type={type} autoComplete="off" required={type !== 'password'} value={config[key] ?? ''} onChange={(e) => setConfig({ ...config, [key]: e.target.value })} />
    </label>
  );
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (value.trim() === '') continue;
      body[key] = key === 'port' ? Number.parseInt(value, 10) : key === 'to' ? value.split(',').map((v) => v.trim()) : value.trim();
    }
    const saved = await action.run(() => api.createChannel({ kind, name: name.trim(), minSeverity, config: body }));
    if (saved !== undefined) onSaved();
  };
  return (
    <Dialog open title="Add a delivery channel" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <label>
          Kind
          <select
            name="kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as ChannelKind);
              setConfig({});
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input name="name" required autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          From severity
          <select name="minSeverity" value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as SecuritySeverity)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {kind === 'webhook' && [field('url', 'URL (https)', 'url'), field('secret', 'Signing secret (HMAC-SHA256)', 'password')]}
        {kind === 'email' && [field('host', 'SMTP host'), field('port', 'SMTP port', 'number'), field('from', 'From address', 'email'), field('to', 'To (comma-separated)')]}
        {kind === 'syslog' && [field('host', 'Syslog host'), field('port', 'Port', 'number'), field('transport', 'Transport (tcp or tls)')]}
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={action.busy}>
            Add
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
