/** The pages for a request the server refused (403) and for something that does not exist (404). */
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { can } from '../capabilities';
import { Link } from '../router';
import { useSession } from '../session';

const REASONS: Record<string, string> = {
  PATIENTS_TRAINING_REQUIRED: 'Reading patient records needs a current HIPAA training record. Ask your administrator to record your training.',
  PATIENTS_CARE_RELATIONSHIP_REQUIRED: 'You are not on this patient’s care team.',
};

/** Training: an administrator (the first one has nobody to ask) records their own on their user page. */
function TrainingReason() {
  const { auth } = useSession();
  if (auth.status !== 'signed-in' || !can(auth.session.user.roles, 'users:manage')) return <>{REASONS['PATIENTS_TRAINING_REQUIRED']}</>;
  return (
    <>
      Reading patient records needs a current HIPAA training record. As an administrator you record it yourself:{' '}
      <Link to={`/users/${encodeURIComponent(auth.session.user.id)}`}>open your user page</Link> and add your training record.
    </>
  );
}

export function DeniedPage({ error }: { readonly error?: ApiError }) {
  const reason: ReactNode = error === undefined ? undefined : error.code === 'PATIENTS_TRAINING_REQUIRED' ? <TrainingReason /> : (REASONS[error.code] ?? error.message);
  return (
    <section className="card problem" aria-labelledby="denied-title">
      <h1 id="denied-title">Access denied</h1>
      <p>You don’t have permission to see this page with your current role.</p>
      {reason !== undefined && <p data-testid="denied-reason">{reason}</p>}
      {error !== undefined && (
        <p className="muted small">
          {error.code}
          {error.requestId !== null && <> · request {error.requestId}</>}
        </p>
      )}
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}

export function NotFoundPage() {
  return (
    <section className="card problem" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p>There is nothing here, or it belongs to another organization.</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </section>
  );
}
