/**
 * Sign-in, first step: username and password. The server answers with the session's state, and
 * the app shows the next step (second factor, enrolment, password change) from that state.
 *
 * MUST: the same message for an unknown user and a wrong password (the server's, shown as is).
 * MUST: the password field is never prefilled and is cleared after a failed attempt.
 */
import { Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

export function SignInPage({ message, username: initialUsername = '' }: { readonly message?: string | undefined; readonly username?: string }) {
  const { api, apply } = useSession();
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [setupPending, setSetupPending] = useState(false);
  const action = useAction();

  useEffect(() => {
    let cancelled = false;
    api.setupStatus().then(
      (status) => {
        if (!cancelled) setSetupPending(status.pending);
      },
      () => {
        // No setup status (404 once set up, or an older server): offer no setup link.
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = await action.run(() => api.login(username.trim(), password));
    setPassword('');
    if (result !== undefined) apply(result);
  };

  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card" aria-labelledby="sign-in-title">
      <Title order={1} size="h2" id="sign-in-title" mb="md">
        Sign in
      </Title>
      {message !== undefined && (
        <Text className="notice" role="status" mb="sm">
          {message}
        </Text>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput label="Username" name="username" autoComplete="username" required withAsterisk={false} value={username} onChange={(e) => setUsername(e.currentTarget.value)} data-autofocus autoFocus />
          <PasswordInput label="Password" name="password" autoComplete="current-password" required withAsterisk={false} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <ErrorNotice error={action.error} />
          <Button type="submit" loading={action.busy} className="sign-in-submit">
            Sign in
          </Button>
        </Stack>
      </form>
      {setupPending && (
        <Text className="setup-offer" mt="md">
          First start?{' '}
          <Anchor component={Link} to="/setup">
            First-time setup
          </Anchor>
          : create the first administrator with the setup credential the server printed.
        </Text>
      )}
    </Paper>
  );
}
