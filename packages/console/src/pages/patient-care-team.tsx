/**
 * A patient's care team (patient-page.tsx, "Care team and devices" tab): who is on it, by name,
 * and, for the roles that manage patients, adding and removing members. Reachable without PHI
 * access (identifiers and the team, not the record).
 */
import { useState, type FormEvent } from 'react';
import type { CareTeamMember, CareTeamRole, UserView } from '../api/types';
import { can } from '../capabilities';
import { ErrorNotice } from '../components/feedback';
import { useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { useSession, useSignedIn } from '../session';

export function CareTeam({
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
