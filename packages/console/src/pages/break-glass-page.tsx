/**
 * The security officer's review queue of break-glass grants: each emergency access is judged
 * justified or unjustified, with a note (the review is audited; unjustified access is a finding).
 */
import { useState, type FormEvent } from 'react';
import type { BreakGlassQueueEntry, ReviewOutcome } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

type Tab = 'pending' | 'reviewed';

export function BreakGlassPage() {
  const { api } = useSession();
  const [tab, setTab] = useState<Tab>('pending');
  const [grants, reload] = useResource(() => api.breakGlassQueue(tab).then((r) => r.grants), `break-glass:${tab}`);
  const [reviewing, setReviewing] = useState<BreakGlassQueueEntry | null>(null);
  // Names come with the queue: the user's display name, and the patient's name and MRN when the
  // reviewer has current training (the server audits each label). Ids are the fallback.
  const nameOf = (grant: BreakGlassQueueEntry) => grant.userName ?? `user ${grant.userId.slice(0, 8)}`;
  const patientOf = (grant: BreakGlassQueueEntry) => (grant.patientName !== undefined ? `${grant.patientName} (MRN ${grant.patientMrn ?? '—'})` : `patient ${grant.patientId.slice(0, 8)}`);

  if (grants.status === 'error') return <ResourceProblem error={grants.error} />;
  return (
    <section aria-labelledby="bg-title">
      <h1 id="bg-title">Break-glass review</h1>
      <div className="tabs" role="group" aria-label="Which grants">
        <button type="button" aria-pressed={tab === 'pending'} onClick={() => setTab('pending')}>
          Pending
        </button>
        <button type="button" aria-pressed={tab === 'reviewed'} onClick={() => setTab('reviewed')}>
          Reviewed
        </button>
      </div>
      {grants.status === 'loading' ? (
        <Loading what="grants" />
      ) : grants.data.length === 0 ? (
        <p>{tab === 'pending' ? 'No emergency access waits for review.' : 'No reviewed grants yet.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Patient</th>
              <th scope="col">Reason</th>
              <th scope="col">Granted</th>
              <th scope="col">Expires</th>
              <th scope="col">{tab === 'pending' ? <span className="visually-hidden">Review</span> : 'Outcome'}</th>
            </tr>
          </thead>
          <tbody>
            {grants.data.map((grant) => (
              <tr key={grant.id}>
                <td>
                  <Link to={`/users/${encodeURIComponent(grant.userId)}`}>{nameOf(grant)}</Link>
                </td>
                <td>{patientOf(grant)}</td>
                <td className="reason">{grant.reason}</td>
                <td>
                  <Time iso={grant.grantedAt} />
                </td>
                <td>
                  <Time iso={grant.expiresAt} />
                </td>
                <td>
                  {tab === 'pending' ? (
                    <button type="button" onClick={() => setReviewing(grant)} aria-label={`Review emergency access by ${nameOf(grant)} to ${patientOf(grant)}`}>
                      Review
                    </button>
                  ) : (
                    (grant.review === null ? '—' : `${grant.review.outcome} by ${grant.review.reviewedByName ?? grant.review.reviewedBy.slice(0, 8)}`)
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ReviewDialog
        grant={reviewing}
        onClose={(done) => {
          setReviewing(null);
          if (done) reload();
        }}
      />
    </section>
  );
}

function ReviewDialog({ grant, onClose }: { readonly grant: BreakGlassQueueEntry | null; readonly onClose: (done: boolean) => void }) {
  const { api } = useSession();
  const [outcome, setOutcome] = useState<ReviewOutcome | null>(null);
  const [note, setNote] = useState('');
  const action = useAction();
  const close = (done: boolean) => {
    setOutcome(null);
    setNote('');
    action.clear();
    onClose(done);
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (grant === null || outcome === null) return;
    const done = await action.run(async () => {
      await api.reviewBreakGlass(grant.id, outcome, note.trim());
      return true;
    });
    if (done === true) close(true);
  };
  return (
    <Dialog open={grant !== null} title="Review emergency access" onClose={() => close(false)}>
      {grant !== null && (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <p>
            Reason given: <q>{grant.reason}</q>
          </p>
          <fieldset>
            <legend>Outcome</legend>
            <label className="check">
              <input type="radio" name="outcome" value="justified" required checked={outcome === 'justified'} onChange={() => setOutcome('justified')} />
              Justified
            </label>
            <label className="check">
              <input type="radio" name="outcome" value="unjustified" checked={outcome === 'unjustified'} onChange={() => setOutcome('unjustified')} />
              Unjustified
            </label>
          </fieldset>
          <label>
            Note
            <textarea name="note" rows={3} required maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          <ErrorNotice error={action.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy || outcome === null}>
              Record review
            </button>
            <button type="button" onClick={() => close(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
