/**
 * Users of the organization: the list (search, role, status and MFA filters, sort and paging by
 * the server, the view's state in the URL), and inviting a user (whose one-time password is shown
 * once).
 */
import { Badge, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { InvitedUser, Role, UserPage as UserList } from '../api/types';
import { can } from '../capabilities';
import { DataTable } from '../components/data-table';
import { Time } from '../components/feedback';
import { FormActions } from '../components/form-actions';
import { FilterBar } from '../components/filter-bar';
import { Page } from '../components/page';
import { ResourceProblem } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { ROLE_LABELS, RolePicker } from '../components/role-picker';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';

/** A user's or a device's status (active, disabled, locked; pending, quarantined, revoked, decommissioned). */
const STATUS_COLORS: Record<string, string> = { active: 'green', disabled: 'red', locked: 'red', revoked: 'red', quarantined: 'red', pending: 'gray', decommissioned: 'gray' };

export function StatusBadge({ status }: { readonly status: string }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}

type UserRow = UserList['users'][number];

const SORTS = ['username', 'displayName', 'status', 'lastLoginAt'] as const;

export function UsersPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const filters = useUrlFilters({ q: '', role: '', status: '', mfa: '', sort: 'username', dir: 'asc', cursor: '' });
  const v = filters.values;
  const sort = oneOf(v.sort, SORTS, 'username');
  const role = v.role === '' ? undefined : oneOf(v.role, Object.keys(ROLE_LABELS) as Role[], 'clinician');
  const status = v.status === '' ? undefined : oneOf(v.status, ['active', 'disabled', 'locked'] as const, 'active');
  const mfa = v.mfa === 'true' || v.mfa === 'false' ? v.mfa : undefined;
  const list = usePagedList(() => api.usersPage(definedOnly({ q: v.q, role, status, mfa, sort: serverSort(sort, v.dir), cursor: v.cursor, limit: 25 })), JSON.stringify(v));
  const pager = useCursorPager(filters, list.data?.nextCursor);
  const [inviting, setInviting] = useState(false);

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  return (
    <Page title="Users" actions={can(session.roles, 'users:manage') ? <Button onClick={() => setInviting(true)}>Invite a user</Button> : undefined}>
      <FilterBar
        filters={filters}
        label="Filter users"
        fields={[
          { kind: 'search', key: 'q', label: 'Search', placeholder: 'Username or name' },
          { kind: 'select', key: 'role', label: 'Role', options: [{ value: '', label: 'Any' }, ...Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }))] },
          { kind: 'select', key: 'status', label: 'Status', options: [{ value: '', label: 'Any' }, { value: 'active', label: 'Active' }, { value: 'disabled', label: 'Disabled' }, { value: 'locked', label: 'Locked' }] },
          { kind: 'select', key: 'mfa', label: 'MFA', options: [{ value: '', label: 'Any' }, { value: 'true', label: 'Enrolled' }, { value: 'false', label: 'Not enrolled' }] },
        ]}
      />
      <DataTable
        caption="Users of the organization"
        rows={list.data?.users}
        rowKey={(u) => u.id}
        loading={list.loading}
        error={list.data === undefined ? null : list.error}
        empty={filters.active ? 'No user matches these filters.' : 'No users yet.'}
        sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
        paging={pager}
        columns={[
          { key: 'username', header: 'Username', sortKey: 'username', render: (u) => <Link to={`/users/${encodeURIComponent(u.id)}`}>{u.username}</Link> },
          { key: 'displayName', header: 'Name', sortKey: 'displayName', render: (u) => u.displayName },
          { key: 'roles', header: 'Roles', render: (u: UserRow) => u.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(', ') },
          { key: 'status', header: 'Status', sortKey: 'status', render: (u) => <StatusBadge status={u.status} /> },
          { key: 'mfa', header: 'MFA', render: (u) => (u.mfaEnrolled ? 'enrolled' : <Text span c="dimmed" inherit>none</Text>) },
          { key: 'lastLoginAt', header: 'Last sign-in', sortKey: 'lastLoginAt', render: (u) => <Time iso={u.lastLoginAt} /> },
        ]}
      />
      <InviteDialog
        open={inviting}
        onClose={() => {
          setInviting(false);
          list.reload();
        }}
      />
    </Page>
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
    <Modal opened={open} onClose={close} title={invited === null ? 'Invite a user' : 'User invited'} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      {invited === null ? (
        <form onSubmit={(event) => void submit(event)}>
          <Stack gap="sm">
            <TextInput label="Username" name="username" required withAsterisk={false} autoComplete="off" value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <TextInput label="Display name" name="displayName" required withAsterisk={false} autoComplete="off" value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} />
            <RolePicker value={roles} onChange={setRoles} grantorRoles={session.roles} />
            <FormActions submitLabel="Invite" onCancel={close} busy={action.busy} error={action.error} submitDisabled={roles.length === 0} />
          </Stack>
        </form>
      ) : (
        <Stack gap="sm">
          <Text>
            Give <strong>{invited.user.username}</strong> this one-time password through a trusted channel. They must change it at their first sign-in.
          </Text>
          <SecretValue label="One-time password" value={invited.oneTimePassword} />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
