/**
 * One user: status and actions (disable, enable, reset password, reset MFA), roles, and HIPAA
 * training records (reading PHI needs a current one). Every change is audited by the server.
 */
import { Alert, Anchor, Badge, Button, Group, Modal, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { Role, UserView } from '../api/types';
import { can } from '../capabilities';
import { ConfirmDialog } from '../components/confirm-dialog';
import { ResourceTable } from '../components/resource-table';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { Page, Section } from '../components/page';
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
    <Page
      title={
        <>
          {user.displayName}{' '}
          <Text span c="dimmed" inherit>
            ({user.username})
          </Text>
        </>
      }
      description={
        <Anchor component={Link} to="/users">
          ← Users
        </Anchor>
      }
      actions={manage && user.id !== session.user.id ? <AccountActions user={user} reload={reload} /> : undefined}
    >
      <Section title="Account">
        <Table variant="vertical" layout="fixed" withTableBorder={false} className="account-facts">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row">Status</Table.Th>
              <Table.Td>
                <StatusBadge status={user.status} />
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">MFA</Table.Th>
              <Table.Td>{user.mfaEnrolled ? 'enrolled' : 'not enrolled'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Password expires</Table.Th>
              <Table.Td>
                <Time iso={user.passwordExpiresAt} />
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Last sign-in</Table.Th>
              <Table.Td>
                <Time iso={user.lastLoginAt} />
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Section>
      <RolesEditor user={user} reload={reload} editable={manage && user.id !== session.user.id} />
      <TrainingRecords userId={user.id} editable={manage} />
    </Page>
  );
}

type Pending = 'disable' | 'enable' | 'reset-password' | 'reset-mfa';

function AccountActions({ user, reload }: { readonly user: UserView; readonly reload: () => void }) {
  const { api } = useSession();
  const [pending, setPending] = useState<Pending | null>(null);
  const [oneTimePassword, setOneTimePassword] = useState<string | null>(null);

  const confirm = async () => {
    if (pending === 'reset-password') {
      const result = await api.resetPassword(user.id);
      setOneTimePassword(result.oneTimePassword);
      return;
    }
    if (pending === 'disable') await api.disableUser(user.id);
    else if (pending === 'enable') await api.enableUser(user.id);
    else if (pending === 'reset-mfa') await api.resetMfa(user.id);
    reload();
  };

  const titles: Record<Pending, string> = {
    disable: `Disable ${user.username}?`,
    enable: `Enable ${user.username}?`,
    'reset-password': `Reset the password of ${user.username}?`,
    'reset-mfa': `Reset the second factors of ${user.username}?`,
  };
  const explanations: Record<Pending, string> = {
    disable: 'Their sessions and tokens end at once, and they cannot sign in until enabled again.',
    enable: 'They can sign in again with their current credentials.',
    'reset-password': 'Their sessions end at once. They get a one-time password and must choose a new one at the next sign-in.',
    'reset-mfa':
      'For a lost phone or security key: their authenticator app, recovery codes and passkeys are removed and their sessions end. Roles that require MFA enrol a new factor at the next sign-in. The security team is alerted.',
  };
  const labels: Record<Pending, string> = { disable: 'Disable', enable: 'Enable', 'reset-password': 'Reset password', 'reset-mfa': 'Reset MFA' };

  return (
    <Group gap="sm" wrap="wrap" role="group" aria-label="Account actions">
      {user.status === 'disabled' ? (
        <Button variant="default" onClick={() => setPending('enable')}>
          Enable
        </Button>
      ) : (
        <Button color="red" variant="light" onClick={() => setPending('disable')}>
          Disable
        </Button>
      )}
      <Button variant="default" onClick={() => setPending('reset-password')}>
        Reset password
      </Button>
      <Button variant="default" onClick={() => setPending('reset-mfa')}>
        Reset MFA
      </Button>
      <ConfirmDialog
        opened={pending !== null}
        onClose={() => setPending(null)}
        title={pending === null ? '' : titles[pending]}
        confirmLabel={pending === null ? '' : labels[pending]}
        danger={pending === 'disable'}
        onConfirm={confirm}
      >
        {pending === null ? '' : explanations[pending]}
      </ConfirmDialog>
      <Modal
        opened={oneTimePassword !== null}
        onClose={() => {
          setOneTimePassword(null);
          reload();
        }}
        title="Password reset"
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack gap="sm">
          <SecretValue label="One-time password" value={oneTimePassword ?? ''} />
          <Group justify="flex-end">
            <Button
              onClick={() => {
                setOneTimePassword(null);
                reload();
              }}
            >
              Done
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
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
      <Section title="Roles">
        <Group gap={4}>
          {user.roles.length === 0 ? (
            <Text c="dimmed">none</Text>
          ) : (
            user.roles.map((role) => (
              <Badge key={role} variant="light" color="gray">
                {role}
              </Badge>
            ))
          )}
        </Group>
      </Section>
    );
  }
  return (
    <Section title="Roles">
      <form onSubmit={(event) => void save(event)} aria-label="Roles">
        <Stack gap="sm">
          <RolePicker value={roles} onChange={setRoles} grantorRoles={session.roles} legend="Granted roles" />
          <ErrorNotice error={action.error} />
          {saved && !changed && (
            <Alert color="green" role="status">
              Roles saved.
            </Alert>
          )}
          <Button type="submit" loading={action.busy} disabled={!changed} className="align-start">
            Save roles
          </Button>
        </Stack>
      </form>
    </Section>
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
    <Section title="Training records">
      <Stack gap="md">
        <ResourceTable
            resource={records}
            caption="Training records"
            rowKey={(r) => r.id}
            empty="No training recorded: this user cannot read patient records."
            minWidth="32rem"
            columns={[
              { key: 'course', header: 'Course', render: (r) => r.course },
              { key: 'completed', header: 'Completed', render: (r) => <Time iso={r.completedAt} dateOnly /> },
              { key: 'expires', header: 'Expires', render: (r) => <Time iso={r.expiresAt} dateOnly /> },
              {
                key: 'state',
                header: 'State',
                render: (r) =>
                  Date.parse(r.expiresAt) > now ? (
                    <Badge variant="light" color="green">
                      current
                    </Badge>
                  ) : (
                    <Badge variant="light" color="red">
                      expired
                    </Badge>
                  ),
              },
            ]}
          />
        {editable && (
          <form onSubmit={(event) => void add(event)} aria-label="Add a training record">
            <Group gap="sm" align="flex-end" wrap="wrap">
              <NativeSelect label="Course" name="course" required withAsterisk={false} value={course} data={TRAINING_COURSES.map(([code, label]) => ({ value: code, label }))} onChange={(e) => setCourse(e.currentTarget.value)} className="training-course" />
              <TextInput label="Completed on" name="completedAt" type="date" required withAsterisk={false} max={isoDay(today)} value={completedAt} onChange={(e) => setCompletedAt(e.currentTarget.value)} />
              <TextInput label="Expires on" name="expiresAt" type="date" required withAsterisk={false} min={completedAt} value={expiresAt} onChange={(e) => setExpiresAt(e.currentTarget.value)} />
              <Button type="submit" variant="default" loading={action.busy}>
                Add training record
              </Button>
            </Group>
            <ErrorNotice error={action.error} />
          </form>
        )}
      </Stack>
    </Section>
  );
}
