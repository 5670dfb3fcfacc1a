/**
 * One patient: demographics (PHI), live vitals, device bindings, the care team, the accounting
 * of disclosures (for the roles that review access), and break-glass emergency access.
 *
 * The PHI rule is the server's: current HIPAA training AND care-team membership, or an active
 * break-glass grant. When the server answers 403 PATIENTS_CARE_RELATIONSHIP_REQUIRED, this page
 * offers emergency access: the user states a reason (10 to 500 characters), the server grants
 * a time-boxed access, alerts the security officer, and queues the grant for review.
 *
 * MUST: break-glass is never automatic: it takes a stated reason and an explicit confirmation.
 * MUST: while a grant is the basis of access, the page says so and shows when it ends.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../api/client';
import type { BreakGlassGrant, CareTeamMember, CareTeamRole, Patient, UserView } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { BindingsPanel } from './patient-bindings';
import { DisclosuresPanel } from './patient-disclosures';
import { oneOf, useUrlFilters } from '../components/url-filters';
import { VitalsPanel } from './patient-vitals';

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

export function PatientPage({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [patient, reload] = useResource(() => api.patient(patientId), `patient:${patientId}`);

  if (patient.status === 'loading') return <Loading what="the patient record" />;
  if (patient.status === 'error') {
    // Care teams and bindings are managed without opening the record (no PHI rule): an admin
    // who is on no care team still gets them, under the denial of the record itself.
    const manage = can(session.roles, 'patients:manage');
    const denied = isApiError(patient.error) && (patient.error.code === 'PATIENTS_CARE_RELATIONSHIP_REQUIRED' || patient.error.code === 'PATIENTS_TRAINING_REQUIRED');
    if (denied && manage) return <PatientManagement patientId={patientId} />;
    if (isApiError(patient.error) && patient.error.code === 'PATIENTS_CARE_RELATIONSHIP_REQUIRED') {
      return <NoCareRelationship patientId={patientId} onGranted={reload} />;
    }
    return <ResourceProblem error={patient.error} />;
  }
  return <PatientRecord patient={patient.data} reload={reload} />;
}

/** Care team and devices of a patient whose record is closed to the admin (no PHI beyond the label). */
function PatientManagement({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [view, reload] = useResource(() => api.careTeamView(patientId), `care-team-view:${patientId}`);
  if (view.status === 'loading') return <Loading what="the care team" />;
  if (view.status === 'error') return <ResourceProblem error={view.error} />;
  const label = view.data.patient === null ? `Patient ${patientId.slice(0, 8)}` : `${view.data.patient.displayName} (MRN ${view.data.patient.mrn})`;
  const names = new Map(view.data.careTeam.flatMap((m) => (m.displayName === null ? [] : [[m.userId, m.displayName] as const])));
  return (
    <section aria-labelledby="patient-title">
      <p>
        <Link to="/patients">← Patients</Link>
      </p>
      <h1 id="patient-title">{label}</h1>
      <p className="notice" data-testid="record-closed">
        The clinical record is closed to you (you are not on this patient’s care team). You can still manage the care team and the devices.
      </p>
      <BindingsPanel patientId={patientId} manage={can(session.roles, 'bindings:manage')} />
      <CareTeam patientId={patientId} initial={view.data.careTeam.map((m) => ({ userId: m.userId, role: m.role }))} names={names} editable reload={reload} />
    </section>
  );
}

function NoCareRelationship({ patientId, onGranted }: { readonly patientId: string; readonly onGranted: () => void }) {
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

function BreakGlassDialog({
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

function BreakGlassBanner({ grantId, onExpired }: { readonly grantId: string | undefined; readonly onExpired: () => void }) {
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

function PatientRecord({ patient, reload }: { readonly patient: Patient; readonly reload: () => void }) {
  return (
    <section aria-labelledby="patient-title">
      <p>
        <Link to="/patients">← Patients</Link>
      </p>
      {patient.access.basis === 'break-glass' && <BreakGlassBanner grantId={patient.access.grantId} onExpired={reload} />}
      <h1 id="patient-title">
        {patient.givenName} {patient.familyName}
      </h1>
      <dl className="facts">
        <dt>MRN</dt>
        <dd>{patient.mrn}</dd>
        <dt>Birth date</dt>
        <dd>{patient.birthDate}</dd>
        <dt>Sex</dt>
        <dd>{patient.sex}</dd>
      </dl>
      <PatientTabs patient={patient} reload={reload} />
    </section>
  );
}

type Tab = 'vitals' | 'care' | 'disclosures';

function PatientTabs({ patient, reload }: { readonly patient: Patient; readonly reload: () => void }) {
  const session = useSignedIn();
  const tabs: { id: Tab; label: string }[] = [
    { id: 'vitals', label: 'Vitals' },
    { id: 'care', label: 'Care team and devices' },
    ...(can(session.roles, 'disclosures:read') ? [{ id: 'disclosures' as const, label: 'Accounting of disclosures' }] : []),
  ];
  // The tab is in the URL (?tab=disclosures), with the disclosures list's own filters: a view reloads as it was.
  const url = useUrlFilters({ tab: 'vitals' });
  const tab = oneOf<Tab>(url.values.tab, tabs.map((t) => t.id), 'vitals');
  const setTab = (next: Tab) => url.set({ tab: next });
  return (
    <>
      <div className="tabs" role="group" aria-label="Patient sections">
        {tabs.map((t) => (
          <button key={t.id} type="button" aria-pressed={tab === t.id} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'vitals' && <VitalsPanel patientId={patient.id} />}
      {tab === 'care' && (
        <>
          <BindingsPanel patientId={patient.id} manage={can(session.roles, 'bindings:manage')} />
          <CareTeam
            patientId={patient.id}
            initial={patient.careTeam.map((m) => ({ userId: m.userId, role: m.role }))}
            names={new Map(patient.careTeam.flatMap((m) => (m.displayName === undefined ? [] : [[m.userId, m.displayName] as const])))} editable={can(session.roles, 'patients:manage')} reload={reload} />
        </>
      )}
      {tab === 'disclosures' && <DisclosuresPanel patientId={patient.id} />}
    </>
  );
}

function CareTeam({
  patientId,
  initial,
  names,
  editable,
  reload,
}: {
  readonly patientId: string;
  readonly initial: readonly CareTeamMember[];
  readonly names: ReadonlyMap<string, string>;
  readonly editable: boolean;
  readonly reload: () => void;
}) {
  const { api } = useSession();
  const session = useSignedIn();
  const canListUsers = can(session.roles, 'users:read');
  const [users] = useResource<UserView[]>(() => (canListUsers ? api.users().then((r) => r.users) : Promise.resolve([])), `care-team-users:${canListUsers}`);
  const [members, setMembers] = useState<CareTeamMember[]>([...initial]);
  const [adding, setAdding] = useState('');
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const known = users.status === 'ok' ? users.data : [];
  const nameOf = (userId: string) => {
    const user = known.find((u) => u.id === userId);
    return user === undefined ? (names.get(userId) ?? `user ${userId.slice(0, 8)}`) : `${user.displayName} (${user.username})`;
  };
  const changed = JSON.stringify(members) !== JSON.stringify(initial);

  const setRole = (userId: string, role: CareTeamRole) => setMembers(members.map((m) => (m.userId === userId ? { ...m, role } : m)));
  const remove = (userId: string) => setMembers(members.filter((m) => m.userId !== userId));
  const add = () => {
    const userId = adding.trim();
    if (userId === '' || members.some((m) => m.userId === userId)) return;
    setMembers([...members, { userId, role: 'member' }]);
    setAdding('');
  };
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const done = await action.run(async () => {
      await api.setCareTeam(patientId, members);
      return true;
    });
    if (done === true) {
      setSaved(true);
      reload();
    }
  };

  if (!editable) {
    return (
      <section aria-labelledby="care-team-title">
        <h2 id="care-team-title">Care team</h2>
        {initial.length === 0 ? (
          <p>Nobody is on this patient’s care team.</p>
        ) : (
          <ul>
            {initial.map((m) => (
              <li key={m.userId}>
                {nameOf(m.userId)} — {m.role}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  }

  const candidates = known.filter((u) => u.status === 'active' && !members.some((m) => m.userId === u.id));
  return (
    <form className="form" onSubmit={(event) => void save(event)} aria-labelledby="care-team-title">
      <h2 id="care-team-title">Care team</h2>
      {members.length === 0 ? (
        <p>Nobody is on this patient’s care team.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td>{nameOf(m.userId)}</td>
                <td>
                  <select aria-label={`Care team role of ${nameOf(m.userId)}`} value={m.role} onChange={(e) => setRole(m.userId, e.target.value as CareTeamRole)}>
                    <option value="primary">primary</option>
                    <option value="member">member</option>
                  </select>
                </td>
                <td>
                  <button type="button" onClick={() => remove(m.userId)} aria-label={`Remove ${nameOf(m.userId)}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="inline-form">
        {canListUsers && users.status === 'ok' ? (
          <label>
            Add a member
            <select name="addMember" value={adding} onChange={(e) => setAdding(e.target.value)}>
              <option value="">Choose a user…</option>
              {candidates.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName} ({u.username})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            Add a member by user id
            <input name="addMember" value={adding} onChange={(e) => setAdding(e.target.value)} />
          </label>
        )}
        <button type="button" onClick={add} disabled={adding.trim() === ''}>
          Add
        </button>
      </div>
      <ErrorNotice error={action.error} />
      {saved && !changed && (
        <p className="notice" role="status">
          Care team saved.
        </p>
      )}
      <button type="submit" className="primary" disabled={action.busy || !changed}>
        Save care team
      </button>
    </form>
  );
}
