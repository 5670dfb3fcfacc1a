/**
 * The audit log (security officer, auditor, platform-admin): search by actor, action, target,
 * outcome, request id and time; page back through older events; see whether the chain verifies;
 * download the export that `vigil audit verify --file` checks offline.
 *
 * The server decides what is shown: an organization's officer sees their organization's events
 * (others are redacted in the export); platform-admins see the whole log. Every search is itself
 * recorded in the log. Self-contained (its own GET helper), so the console's client stays as is.
 */
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';

interface AuditEvent {
  readonly seq: number;
  readonly time: string;
  readonly actorKind: string;
  readonly actorId: string;
  readonly orgId: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly requestId: string;
  readonly source: string;
}

interface Verification {
  readonly ok: boolean;
  readonly verifiedAt: string;
  readonly eventsVerified: number;
  readonly checkpointsVerified: number;
  readonly firstBadSeq: number | null;
  readonly problem: string | null;
  readonly message: string;
  readonly unsignedTail: { readonly fromSeq: number; readonly toSeq: number } | null;
}

const FIELDS = ['actor', 'action', 'targetType', 'targetId', 'requestId'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = { actor: 'Actor id', action: 'Action', targetType: 'Target type', targetId: 'Target id', requestId: 'Request id' };
type Filter = { readonly [K in Field | 'outcome' | 'from' | 'to' | 'cursor']?: string | undefined };

async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', null);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; requestId?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `The server answered ${response.status}.`, error?.requestId ?? null);
  }
  return body as T;
}

function queryOf(filter: Filter): string {
  const search = new URLSearchParams({ limit: '100' });
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value.trim() !== '') search.set(key, value.trim());
  return search.toString();
}

function VerificationState() {
  const [state, reload] = useResource(() => getJson<Verification>('/api/v1/audit/verification'), 'audit-verification');
  if (state.status === 'loading') return <Loading what="the chain's verification" />;
  if (state.status === 'error') return <ResourceProblem error={state.error} />;
  const v = state.data;
  return (
    <div className={v.ok ? 'notice' : 'notice notice-error'} role="status" data-testid="audit-verification">
      <strong>{v.ok ? 'The audit chain verifies.' : `The audit chain is broken at seq ${v.firstBadSeq ?? '?'} (${v.problem ?? 'unknown'}).`}</strong>{' '}
      {v.eventsVerified} events, {v.checkpointsVerified} signed checkpoints, checked <Time iso={v.verifiedAt} />.
      {v.unsignedTail ? ` Events ${v.unsignedTail.fromSeq}–${v.unsignedTail.toSeq} await their signed checkpoint.` : ''}
      {!v.ok ? <p>{v.message}</p> : null}{' '}
      <button type="button" onClick={reload}>
        Check again
      </button>
    </div>
  );
}

export function AuditLogPage() {
  const [fields, setFields] = useState<Record<Field, string>>({ actor: '', action: '', targetType: '', targetId: '', requestId: '' });
  const [outcome, setOutcome] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [applied, setApplied] = useState<Filter>({});
  const [page] = useResource(() => getJson<{ events: AuditEvent[]; nextCursor: string | null }>(`/api/v1/audit/events?${queryOf(applied)}`), `audit:${JSON.stringify(applied)}`);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const iso = (local: string) => (local === '' ? undefined : new Date(local).toISOString());
    setApplied({ ...fields, outcome, from: iso(from), to: iso(to) });
  };

  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
        <a href="/api/v1/audit/export" download="vigil-audit.jsonl">
          Export (JSON lines)
        </a>
      </div>
      <VerificationState />
      <form className="inline-form" onSubmit={apply} aria-label="Filter the audit log">
        {FIELDS.map((field) => (
          <label key={field}>
            {LABELS[field]}
            <input name={field} autoComplete="off" value={fields[field]} onChange={(e) => setFields({ ...fields, [field]: e.target.value })} />
          </label>
        ))}
        <label>
          Outcome
          <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
            <option value="denied">denied</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input type="datetime-local" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      {page.status === 'loading' ? (
        <Loading what="audit events" />
      ) : page.status === 'error' ? (
        <ResourceProblem error={page.error} />
      ) : page.data.events.length === 0 ? (
        <p>No audit events match.</p>
      ) : (
        <>
          <table className="table small" data-testid="audit-events">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
                <th scope="col">Source</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {page.data.events.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>
                    <Time iso={e.time} />
                  </td>
                  <td>
                    {e.actorKind}:{e.actorId}
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.targetType}:{e.targetId}
                  </td>
                  <td>{e.outcome}</td>
                  <td>{e.reason ?? ''}</td>
                  <td>{e.source}</td>
                  <td className="muted">{e.requestId}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            {applied.cursor !== undefined ? (
              <button type="button" onClick={() => setApplied({ ...applied, cursor: undefined })}>
                Newest
              </button>
            ) : null}{' '}
            {page.data.nextCursor !== null ? (
              <button type="button" onClick={() => setApplied({ ...applied, cursor: page.data.nextCursor ?? undefined })}>
                Older events
              </button>
            ) : null}
          </p>
        </>
      )}
    </section>
  );
}
