/**
 * One user: status and actions (disable, enable, reset password), roles, and HIPAA training
 * records (reading PHI needs a current one). Every change is audited by the server.
 */
import { useState, type FormEvent } from 'react';
import type { Role, UserView } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { RolePicker } from '../components/role-picker';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { NotFoundPage } from './problem-pages';
import { StatusBadge } from './users-page';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';

export function UserPage({ userId }: { readonly userId: string }) {
  const { api } = useSession();
  // The contract has no GET /users/:id: the org's list is read and the user picked from it.
  const [users, reload] = useResource(() => api.users().then((r) => r.users), `users:${userId}`);
  if (users.status === 'error') return <ResourceProblem error={users.error} />;
  if (users.status === 'loading') return <Loading what="the user" />;
  const user = users.data.find((u) => u.id === userId);
  if (user === undefined) return <NotFoundPage />;
  return <UserDetail user={user} reload={reload} />;
}

function UserDetail({ user, reload }: { readonly user: UserView; readonly reload: () => void }) {
  const session = useSignedIn();
  const manage = can(session.roles, 'users:manage');
  return (
    <section aria-labelledby="user-title">
      <p>
        <Link to="/users">← Users</Link>
      </p>
      <h1 id="user-title">
        {user.displayName} <span className="muted">({user.username})</span>
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={user.status} />
        </dd>
        <dt>MFA</dt>
        <dd>{user.mfaEnrolled ? 'enrolled' : 'not enrolled'}</dd>
        <dt>Password expires</dt>
        <dd>
          <Time iso={user.passwordExpiresAt} />
        </dd>
        <dt>Last sign-in</dt>
        <dd>
          <Time iso={user.lastLoginAt} />
        </dd>
      </dl>
      {manage && user.id !== session.user.id && <AccountActions user={user} reload={reload} />}
      <RolesEditor user={user} reload={reload} editable={manage && user.id !== session.user.id} />
      <TrainingRecords userId={user.id} editable={manage} />
    </section>
  );
}

type Pending = 'disable' | 'enable' | 'reset-password' | 'reset-mfa' | null;

function AccountActions({ user, reload }: { readonly user: UserView; readonly reload: () => void }) {
  const { api } = useSession();
  const [pending, setPending] = useState<Pending>(null);
  const [oneTimePassword, setOneTimePassword] = useState<string | null>(null);
  const action = useAction();

  const close = () => {
    setPending(null);
    setOneTimePassword(null);
    action.clear();
    reload();
  };

  const confirm = async () => {
    if (pending === 'reset-password') {
      const result = await action.run(() => api.resetPassword(user.id));
      if (result !== undefined) setOneTimePassword(result.oneTimePassword);
      return;
    }
    const done = await action.run(async () => {
      if (pending === 'disable') await api.disableUser(user.id);
      else if (pending === 'enable') await api.enableUser(user.id);
      else if (pending === 'reset-mfa') await api.resetMfa(user.id);
      return true;
    });
    if (done === true) close();
  };

  const titles: Record<Exclude<Pending, null>, string> = {
    disable: `Disable ${user.username}?`,
    enable: `Enable ${user.username}?`,
    'reset-password': `Reset the password of ${user.username}?`,
    'reset-mfa': `Reset the second factors of ${user.username}?`,
  };
  const explanations: Record<Exclude<Pending, null>, string> = {
    disable: 'Their sessions and tokens end at once, and they cannot sign in until enabled again.',
    enable: 'They can sign in again with their current credentials.',
    'reset-password': 'Their sessions end at once. They get a one-time password and must choose a new one at the next sign-in.',
    'reset-mfa':
      'For a lost phone or security key: their authenticator app, recovery codes and passkeys are removed and their sessions end. Roles that require MFA enrol a new factor at the next sign-in. The security team is alerted.',
  };

  return (
    <div className="actions" aria-label="Account actions">
      {user.status === 'disabled' ? (
        <button type="button" onClick={() => setPending('enable')}>
          Enable
        </button>
      ) : (
        <button type="button" className="danger" onClick={() => setPending('disable')}>
          Disable
        </button>
      )}
      <button type="button" onClick={() => setPending('reset-password')}>
        Reset password
      </button>
      <button type="button" onClick={() => setPending('reset-mfa')}>
        Reset MFA
      </button>
      <Dialog open={pending !== null} title={pending === null ? '' : oneTimePassword === null ? titles[pending] : 'Password reset'} onClose={close}>
        {oneTimePassword !== null ? (
          <>
            <SecretValue label="One-time password" value={oneTimePassword} />
            <div className="actions">
              <button type="button" className="primary" onClick={close}>
                Done
              </button>
            </div>
          </>
        ) : (
          <>
            <p>{pending === null ? '' : explanations[pending]}</p>
            <ErrorNotice error={action.error} />
            <div className="actions">
              <button type="button" className={pending === 'disable' ? 'danger' : 'primary'} disabled={action.busy} onClick={() => void confirm()}>
                {pending === 'disable' ? 'Disable' : pending === 'enable' ? 'Enable' : pending === 'reset-mfa' ? 'Reset MFA' : 'Reset password'}
              </button>
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </>
        )}
      </Dialog>
    </div>
  );
}

function RolesEditor({ user, reload, editable }: { readonly user: UserView; readonly reload: () => void; readonly editable: boolean }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [roles, setRoles] = useState<Role[]>([...user.roles]);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const changed = roles.length !== user.roles.length || roles.some((role) => !user.roles.includes(role));

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const done = await action.run(async () => {
      await api.setRoles(user.id, roles);
      return true;
    });
    if (done === true) {
      setSaved(true);
      reload();
    }
  };

  if (!editable) {
    return (
      <>
        <h2>Roles</h2>
        <p>{user.roles.join(', ') || 'none'}</p>
      </>
    );
  }
  return (
    <form className="form" onSubmit={(event) => void save(event)} aria-labelledby="roles-title">
      <h2 id="roles-title">Roles</h2>
      <RolePicker value={roles} onChange={setRoles} grantorRoles={session.roles} legend="Granted roles" />
      <ErrorNotice error={action.error} />
      {saved && !changed && (
        <p className="notice" role="status">
          Roles saved.
        </p>
      )}
      <button type="submit" className="primary" disabled={action.busy || !changed}>
        Save roles
      </button>
    </form>
  );
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
/** A date input's YYYY-MM-DD as the start of that day in UTC. */
const dayToIso = (day: string) => `${day}T00:00:00.000Z`;

/** The server's training course codes (docs/patients.md); any current `hipaa-*` course opens PHI. */
const TRAINING_COURSES: ReadonlyArray<readonly [string, string]> = [
  ['hipaa-privacy-security', 'HIPAA Privacy and Security Rule, full course'],
  ['hipaa-privacy', 'HIPAA Privacy Rule'],
  ['hipaa-security', 'HIPAA Security Rule'],
  ['hipaa-refresher', 'HIPAA annual refresher'],
  ['security-awareness', 'Security awareness (does not open PHI)'],
  ['device-operation', 'Connected device operation (does not open PHI)'],
];

function TrainingRecords({ userId, editable }: { readonly userId: string; readonly editable: boolean }) {
  const { api } = useSession();
  const [records, reload] = useResource(() => api.training(userId).then((r) => r.records), `training:${userId}`);
  const today = new Date();
  const [course, setCourse] = useState('hipaa-privacy-security');
  const [completedAt, setCompletedAt] = useState(isoDay(today));
  const [expiresAt, setExpiresAt] = useState(isoDay(new Date(today.getTime() + 365 * 24 * 3600 * 1000)));
  const action = useAction();

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(async () => {
      await api.addTraining(userId, { course: course.trim(), completedAt: dayToIso(completedAt), expiresAt: dayToIso(expiresAt) });
      return true;
    });
    if (done === true) reload();
  };

  const now = Date.now();
  return (
    <section aria-labelledby="training-title">
      <h2 id="training-title">Training records</h2>
      {records.status === 'loading' && <Loading what="training records" />}
      {records.status === 'error' && <ErrorNotice error={records.error} />}
      {records.status === 'ok' &&
        (records.data.length === 0 ? (
          <p>No training recorded: this user cannot read patient records.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Course</th>
                <th scope="col">Completed</th>
                <th scope="col">Expires</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {records.data.map((record) => (
                <tr key={record.id}>
                  <td>{record.course}</td>
                  <td>
                    <Time iso={record.completedAt} dateOnly />
                  </td>
                  <td>
                    <Time iso={record.expiresAt} dateOnly />
                  </td>
                  <td>{Date.parse(record.expiresAt) > now ? <span className="badge badge-active">current</span> : <span className="badge badge-disabled">expired</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {editable && (
        <form className="form inline-form" onSubmit={(event) => void add(event)} aria-label="Add a training record">
          <label>
            Course
            <select name="course" required value={course} onChange={(e) => setCourse(e.target.value)}>
              {TRAINING_COURSES.map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Completed on
            <input name="completedAt" type="date" required max={isoDay(today)} value={completedAt} onChange={(e) => setCompletedAt(e.target.value)} />
          </label>
          <label>
            Expires on
            <input name="expiresAt" type="date" required min={completedAt} value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
          </label>
          <ErrorNotice error={action.error} />
          <button type="submit" disabled={action.busy}>
            Add training record
          </button>
        </form>
      )}
    </section>
  );
}
