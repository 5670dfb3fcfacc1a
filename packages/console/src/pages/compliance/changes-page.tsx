/**
 * Change requests (issue 14): security-relevant changes with two-person approval. Request one
 * (kind, target, payload, summary, your current authenticator code), approve or reject another
 * person's (with your own code: MFA again), and review emergency changes within 72 hours. The
 * server refuses self-approval and approval without a fresh code; this page only shows its answer.
 */
import { useState, type FormEvent } from 'react';
import { can } from '../../capabilities';
import { ErrorNotice, Loading, Time } from '../../components/feedback';
import { ResourceProblem, useResource } from '../../components/resource';
import { useAction } from '../../components/use-action';
import { useSignedIn } from '../../session';
import { call, type ChangeRequest, type PayloadValue } from './api';
import { ComplianceNav } from './nav';

const KINDS = ['role-grant', 'detector-settings', 'password-settings', 'key-rotation', 'insecure-flag', 'firmware-rollout'] as const;
const HINTS: Record<(typeof KINDS)[number], { target: string; payload: string }> = {
  'role-grant': { target: 'user id', payload: '{"roles": ["clinician", "security-officer"]}' },
  'detector-settings': { target: 'detector name, or all', payload: '{"enabled": false}' },
  'password-settings': { target: 'passwords.preset', payload: '{"preset": "nist"}' },
  'key-rotation': { target: 'kek, audit-signing, tuf-…', payload: '{}' },
  'insecure-flag': { target: 'allowPlaintextDatabase', payload: '{"enabled": true}' },
  'firmware-rollout': { target: 'release id', payload: '{"percent": 10}' },
};
const CODE = { inputMode: 'numeric', pattern: '[0-9]{6,8}', autoComplete: 'one-time-code', required: true } as const;

function RequestForm({ csrf, onDone }: { readonly csrf: string; readonly onDone: () => void }) {
  const action = useAction();
  const [kind, setKind] = useState<(typeof KINDS)[number]>('key-rotation');
  const [target, setTarget] = useState('');
  const [payload, setPayload] = useState('{}');
  const [summary, setSummary] = useState('');
  const [emergency, setEmergency] = useState(false);
  const [code, setCode] = useState('');
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(async () => {
      let parsed: Record<string, PayloadValue>;
      try {
        parsed = JSON.parse(payload) as Record<string, PayloadValue>;
      } catch {
        throw new Error('The payload is not JSON (e.g. {"enabled": false}).');
      }
      return call<ChangeRequest>(csrf, 'POST', '/api/v1/changes', { kind, target, payload: parsed, summary, emergency, stepUpCode: code });
    });
    setCode('');
    if (done !== undefined) {
      setTarget('');
      setSummary('');
      onDone();
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="request-change-title">
      <h2 id="request-change-title">Request a change</h2>
      <label>
        Kind
        <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </label>
      <label>
        Target
        <input required value={target} placeholder={HINTS[kind].target} onChange={(e) => setTarget(e.target.value)} />
      </label>
      <label>
        Payload (JSON)
        <input value={payload} placeholder={HINTS[kind].payload} onChange={(e) => setPayload(e.target.value)} />
      </label>
      <label>
        Summary
        <input required minLength={5} value={summary} onChange={(e) => setSummary(e.target.value)} />
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} /> Emergency change (applies at once; a second person must review it within 72 hours)
      </label>
      <label>
        Your authenticator code
        <input {...CODE} value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={action.busy}>
        Request
      </button>
      <ErrorNotice error={action.error} />
    </form>
  );
}

function Decide({ change, csrf, me, onDone }: { readonly change: ChangeRequest; readonly csrf: string; readonly me: string; readonly onDone: () => void }) {
  const action = useAction();
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const pending = change.status === 'pending';
  const review = change.emergency && change.reviewedAt === null;
  if (!pending && !review) return null;
  if (change.requestedBy === me) return <span className="muted small">Needs another person{review ? "'s review" : "'s approval"}.</span>;
  const send = async (verb: 'approve' | 'reject' | 'review') => {
    const body = verb === 'reject' ? { note: note.trim() === '' ? 'rejected' : note } : { stepUpCode: code, ...(note.trim() !== '' ? { note } : {}) };
    const done = await action.run(() => call<ChangeRequest>(csrf, 'POST', `/api/v1/changes/${change.id}/${verb}`, body));
    setCode('');
    if (done !== undefined) onDone();
  };
  return (
    <form className="inline-form" aria-label={`Decide change ${change.summary}`} onSubmit={(e) => e.preventDefault()}>
      <label>
        Your code
        <input {...CODE} required={false} value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      <label>
        Note
        <input value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      {pending ? (
        <>
          <button type="button" className="primary" disabled={action.busy || code === ''} onClick={() => void send('approve')}>
            Approve
          </button>
          <button type="button" disabled={action.busy} onClick={() => void send('reject')}>
            Reject
          </button>
        </>
      ) : (
        <button type="button" className="primary" disabled={action.busy || code === ''} onClick={() => void send('review')}>
          Review
        </button>
      )}
      <ErrorNotice error={action.error} />
    </form>
  );
}

export function ChangesPage() {
  const signedIn = useSignedIn();
  const csrf = signedIn.csrfToken;
  const me = `user:${signedIn.user.id}`;
  const mayRequest = can(signedIn.roles, 'changes:request');
  const [status, setStatus] = useState('');
  const [changes, reload] = useResource(() => call<{ changes: ChangeRequest[] }>(csrf, 'GET', `/api/v1/changes${status === '' ? '' : `?status=${status}`}`).then((r) => r.changes), `changes:${status}`);
  if (changes.status === 'error') return <ResourceProblem error={changes.error} />;
  return (
    <section aria-labelledby="changes-title">
      <div className="page-head">
        <h1 id="changes-title">Change requests</h1>
      </div>
      <ComplianceNav />
      {mayRequest && <RequestForm csrf={csrf} onDone={reload} />}
      <h2>Requests</h2>
      <label>
        Status
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any</option>
          {['pending', 'approved', 'rejected', 'applied', 'failed'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      {changes.status === 'loading' ? (
        <Loading what="change requests" />
      ) : changes.data.length === 0 ? (
        <p role="status">No change request.</p>
      ) : (
        <table className="table" data-testid="changes">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">Status</th>
              <th scope="col">Requested</th>
              <th scope="col">Approved</th>
              <th scope="col">Audit events</th>
              {mayRequest && <th scope="col">Decide</th>}
            </tr>
          </thead>
          <tbody>
            {changes.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <strong>{c.kind}</strong> <code>{c.target}</code> {c.emergency && <span className="notice-warning small">EMERGENCY</span>}
                  <div>{c.summary}</div>
                  <div className="muted small">{JSON.stringify(c.payload)}</div>
                </td>
                <td>
                  {c.status}
                  {c.emergency && c.reviewDueAt !== null && (
                    <div className="small">{c.reviewedAt !== null ? <>reviewed by {c.reviewedBy}</> : <>review due <Time iso={c.reviewDueAt} /></>}</div>
                  )}
                </td>
                <td>
                  {c.requestedBy}, <Time iso={c.requestedAt} />
                </td>
                <td>{c.decidedBy === null ? <span className="muted">—</span> : <>{c.decidedBy}, <Time iso={c.decidedAt} /></>}</td>
                <td className="small">{c.audit.seqs.length === 0 ? '—' : `seq ${c.audit.seqs.join(', ')}`}</td>
                {mayRequest && (
                  <td>
                    <Decide change={c} csrf={csrf} me={me} onDone={reload} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
