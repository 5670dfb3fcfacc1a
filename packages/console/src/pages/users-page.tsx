/** Users of the organization: the list, and inviting a user (whose one-time password is shown once). */
import { useState, type FormEvent } from 'react';
import type { InvitedUser, Role, UserView } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { ROLE_LABELS, RolePicker } from '../components/role-picker';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';

export function StatusBadge({ status }: { readonly status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function UsersPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const [users, reload] = useResource(() => api.users().then((r) => r.users), 'users');
  const [inviting, setInviting] = useState(false);

  if (users.status === 'error') return <ResourceProblem error={users.error} />;
  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        {can(session.roles, 'users:manage') && (
          <button type="button" className="primary" onClick={() => setInviting(true)}>
            Invite a user
          </button>
        )}
      </div>
      {users.status === 'loading' ? <Loading what="users" /> : <UserTable users={users.data} />}
      <InviteDialog
        open={inviting}
        onClose={() => {
          setInviting(false);
          reload();
        }}
      />
    </section>
  );
}

function UserTable({ users }: { readonly users: readonly UserView[] }) {
  if (users.length === 0) return <p>No users yet.</p>;
  return (
    <table className="table">
      <caption className="visually-hidden">Users of the organization</caption>
      <thead>
        <tr>
          <th scope="col">Username</th>
          <th scope="col">Name</th>
          <th scope="col">Roles</th>
          <th scope="col">Status</th>
          <th scope="col">MFA</th>
          <th scope="col">Last sign-in</th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr key={user.id}>
            <td>
              <Link to={`/users/${encodeURIComponent(user.id)}`}>{user.username}</Link>
            </td>
            <td>{user.displayName}</td>
            <td>{user.roles.map((role) => ROLE_LABELS[role] ?? role).join(', ')}</td>
            <td>
              <StatusBadge status={user.status} />
            </td>
            <td>{user.mfaEnrolled ? 'enrolled' : <span className="muted">none</span>}</td>
            <td>
              <Time iso={user.lastLoginAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function InviteDialog({ open, onClose }: { readonly open: boolean; readonly onClose: () => void }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<Role[]>(['clinician']);
  const [invited, setInvited] = useState<InvitedUser | null>(null);
  const action = useAction();

  const close = () => {
    setUsername('');
    setDisplayName('');
    setRoles(['clinician']);
    setInvited(null);
    action.clear();
    onClose();
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = await action.run(() => api.inviteUser(username.trim(), displayName.trim(), roles));
    if (result !== undefined) setInvited(result);
  };

  return (
    <Dialog open={open} title={invited === null ? 'Invite a user' : 'User invited'} onClose={close}>
      {invited === null ? (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <label>
            Username
            <input name="username" required autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <label>
            Display name
            <input name="displayName" required autoComplete="off" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
          <RolePicker value={roles} onChange={setRoles} grantorRoles={session.roles} />
          <ErrorNotice error={action.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy || roles.length === 0}>
              Invite
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>
            Give <strong>{invited.user.username}</strong> this one-time password through a trusted channel. They must change it at their first sign-in.
          </p>
          <SecretValue label="One-time password" value={invited.oneTimePassword} />
          <div className="actions">
            <button type="button" className="primary" onClick={close}>
              Done
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
