/**
 * Changing one's password: forced (session state `password-change-required`, after an admin
 * reset, a one-time password or an expired password) or by choice from the account page.
 * The server applies the policy (length, breached and common passwords, reuse); its message says
 * which rule failed.
 */
import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { useSession } from '../session';

export function PasswordChangeForm({ onChanged }: { readonly onChanged?: () => void }) {
  const { api, apply } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (next !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const result = await action.run(() => api.changePassword(current, next));
    if (result === undefined) return;
    setCurrent('');
    setNext('');
    setConfirm('');
    apply(result);
    onChanged?.();
  };

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack gap="sm" maw="28rem">
        <PasswordInput label="Current password" name="currentPassword" autoComplete="current-password" required withAsterisk={false} value={current} onChange={(e) => setCurrent(e.currentTarget.value)} />
        <PasswordInput
          label="New password"
          name="newPassword"
          autoComplete="new-password"
          required
          withAsterisk={false}
          minLength={8}
          description="Use a long passphrase. Common, breached and recently used passwords are refused, as is one containing your username."
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <PasswordInput
          label="Repeat the new password"
          name="confirmPassword"
          autoComplete="new-password"
          required
          withAsterisk={false}
          error={mismatch}
          value={confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
        />
        {mismatch && (
          <Alert color="red" role="alert">
            The two new passwords differ.
          </Alert>
        )}
        <ErrorNotice error={action.error} />
        <Button type="submit" loading={action.busy} className="align-start">
          Change password
        </Button>
      </Stack>
    </form>
  );
}

export function PasswordChangePage() {
  const { signOut } = useSession();
  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card" aria-labelledby="password-title">
      <Title order={1} size="h2" id="password-title" mb="sm">
        Choose a new password
      </Title>
      <Text mb="md">Your password must be changed before you continue: it was set by an administrator, or it has expired.</Text>
      <PasswordChangeForm />
      <Button variant="subtle" mt="md" onClick={() => void signOut()}>
        Sign out
      </Button>
    </Paper>
  );
}
