/** The signed-in user's own account: password change and second factors. */
import { Alert, Badge, Group, Table } from '@mantine/core';
import { useState } from 'react';
import { Time } from '../components/feedback';
import { Page, Section } from '../components/page';
import { useSession, useSignedIn } from '../session';
import { PasswordChangeForm } from './password-change-page';
import { PasskeyEnrollment, TotpEnrollment } from './mfa-enrollment-page';

export function AccountPage() {
  const { apply } = useSession();
  const session = useSignedIn();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title="Your account" description={session.user.displayName}>
      <Section title="Account">
        <Table variant="vertical" layout="fixed" withTableBorder={false} className="account-facts">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row">Username</Table.Th>
              <Table.Td>{session.user.username}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Roles</Table.Th>
              <Table.Td>
                <Group gap={4}>
                  {session.roles.map((role) => (
                    <Badge key={role} variant="light" color="gray">
                      {role}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Second factors</Table.Th>
              <Table.Td>{session.mfaMethods.length === 0 ? 'none' : session.mfaMethods.join(', ')}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Session ends at the latest</Table.Th>
              <Table.Td>
                <Time iso={session.absoluteExpiresAt} />
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Section>
      {notice !== null && (
        <Alert color="green" role="status">
          {notice}
        </Alert>
      )}
      <Section title="Change your password">
        <PasswordChangeForm onChanged={() => setNotice('Password changed. Your other sessions were signed out.')} />
      </Section>
      <Section title="Multi-factor authentication">
        <TotpEnrollment
          onDone={(result) => {
            apply(result);
            setNotice('Authenticator app added.');
          }}
        />
        <PasskeyEnrollment
          onDone={(result) => {
            apply(result);
            setNotice('Passkey added.');
          }}
        />
      </Section>
    </Page>
  );
}
