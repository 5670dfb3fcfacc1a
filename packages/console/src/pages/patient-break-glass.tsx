/**
 * Break-glass on the patient page (patient-page.tsx): the offer when the PHI rule refuses (no
 * care relationship), the dialog that asks for the reason and an explicit confirmation, and the
 * banner while a grant is the basis of access.
 *
 * MUST: break-glass is never automatic: it takes a stated reason and an explicit confirmation.
 * MUST: while a grant is the basis of access, the page says so and shows when it ends.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { BreakGlassGrant } from '../api/types';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Time } from '../components/feedback';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';


export const REASON_MIN = 10;
export const REASON_MAX = 500;

/** The expiry of grants this browser obtained (the patient view names the grant, not its expiry). */
const grantKey = (grantId: string) => `vigil.break-glass.${grantId}`;
function rememberGrant(grant: BreakGlassGrant): void {
  try {
    window.sessionStorage.setItem(grantKey(grant.id), grant.expiresAt);
  } catch {
    // Storage may be unavailable (private mode): the banner then shows no expiry time.
  }
}
function grantExpiry(grantId: string | undefined): string | null {
  if (grantId === undefined) return null;
  try {
    return window.sessionStorage.getItem(grantKey(grantId));
  } catch {
    return null;
  }
}

export function NoCareRelationship({ patientId, onGranted }: { readonly patientId: string; readonly onGranted: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card problem" aria-labelledby="denied-title">
      <h1 id="denied-title">Access denied</h1>
      <p data-testid="denied-reason">You are not on this patient’s care team, so their record is closed to you.</p>
      <p>
        In an emergency you can open it for a limited time. You must state why; the security officer is alerted at once and will review your
        access.
      </p>
      <div className="actions">
        <button type="button" className="danger" onClick={() => setOpen(true)}>
          Emergency access
        </button>
        <Link to="/patients">Back to patients</Link>
      </div>
      <BreakGlassDialog patientId={patientId} open={open} onClose={() => setOpen(false)} onGranted={onGranted} />
    </section>
  );
}

export function BreakGlassDialog({
  patientId,
  open,
  onClose,
  onGranted,
}: {
  readonly patientId: string;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly onGranted: () => void;
}) {
  const { api } = useSession();
  const [reason, setReason] = useState('');
  const action = useAction();
  const length = [...reason.trim()].length;
  const valid = length >= REASON_MIN && length <= REASON_MAX;

  const close = () => {
    setReason('');
    action.clear();
    onClose();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!valid) return;
    const result = await action.run(() => api.breakGlass(patientId, reason.trim()));
    if (result === undefined) return;
    rememberGrant(result.grant);
    close();
    onGranted();
  };

  return (
    <Dialog open={open} title="Emergency access (break-glass)" onClose={close}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <p>Access is time-limited, recorded in the audit log, and reviewed by the security officer.</p>
        <label>
          Reason for emergency access
          <textarea
            name="reason"
            required
            minLength={REASON_MIN}
            maxLength={REASON_MAX}
            rows={4}
            aria-describedby="reason-help"
            aria-invalid={reason !== '' && !valid}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </label>
        <p id="reason-help" className="muted small">
          At least {REASON_MIN} characters ({length}/{REASON_MAX}).
        </p>
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className="danger" disabled={action.busy || !valid}>
            Open the record
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function BreakGlassBanner({ grantId, onExpired }: { readonly grantId: string | undefined; readonly onExpired: () => void }) {
  const expiresAt = grantExpiry(grantId);
  useEffect(() => {
    if (expiresAt === null) return undefined;
    const ms = Date.parse(expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return undefined;
    // When the grant ends, ask the server again: the page closes if no other basis remains.
    const timer = window.setTimeout(onExpired, Math.max(0, ms) + 1000);
    return () => window.clearTimeout(timer);
  }, [expiresAt, onExpired]);
  return (
    <div className="notice notice-warning" role="status" data-testid="break-glass-banner">
      <strong>Emergency access.</strong> You opened this record with break-glass
      {expiresAt !== null ? (
        <>
          ; access ends at <Time iso={expiresAt} />
        </>
      ) : (
        '; access is time-limited'
      )}
      . The security officer will review it.
    </div>
  );
}

