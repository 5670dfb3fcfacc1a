/**
 * First start: creates the organization and its first administrator with the one-time setup
 * credential the server printed (there are no default passwords, ever).
 */
import { Alert, Anchor, Button, Code, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../api/client';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

export function SetupPage({ onDone }: { readonly onDone: (username: string) => void }) {
  const { api } = useSession();
  const [fields, setFields] = useState({ setupCredential: '', organization: '', username: '', displayName: '', password: '', confirm: '' });
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  // Once setup is done the form is of no use: the server says so (GET /api/v1/setup).
  const [pending, setPending] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.setupStatus().then(
      (status) => !cancelled && setPending(status.pending),
      () => !cancelled && setPending(true),
    );
    return () => {
      cancelled = true;
    };
  }, [api]);
  const set = (name: keyof typeof fields) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setFields((f) => ({ ...f, [name]: value }));
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (fields.password !== fields.confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const { confirm: _confirm, ...request } = fields;
    const done = await action.run(async () => {
      await api.setup({ ...request, setupCredential: request.setupCredential.trim(), username: request.username.trim() });
      return true;
    });
    if (done === true) onDone(fields.username.trim());
  };

  const finished = pending === false || (isApiError(action.error) && (action.error.status === 409 || action.error.status === 404));

  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card wide" aria-labelledby="setup-title">
      <Title order={1} size="h2" id="setup-title" mb="sm">
        Set up Vigil
      </Title>
      <Text mb="md">
        Create your organization and its first administrator. The setup credential was printed once by the server at its first start (<Code>vigil start</Code>).
      </Text>
      {finished ? (
        <Stack gap="xs" role="status">
          <Text>
            This server is already set up, or it does not offer setup over the web (use <Code>vigil user create</Code> on the host).
          </Text>
          {isApiError(action.error) && (
            <Text size="sm" c="dimmed">
              {action.error.code} · {action.error.message}
            </Text>
          )}
          <Text>
            <Anchor component={Link} to="/">
              Go to sign-in
            </Anchor>
          </Text>
        </Stack>
      ) : (
        <form onSubmit={(event) => void submit(event)}>
          <Stack gap="sm">
            <TextInput label="Setup credential" name="setupCredential" required withAsterisk={false} autoComplete="off" spellCheck={false} value={fields.setupCredential} onChange={set('setupCredential')} autoFocus />
            <TextInput label="Organization name" name="organization" required withAsterisk={false} autoComplete="organization" value={fields.organization} onChange={set('organization')} />
            <TextInput label="Administrator username" name="username" required withAsterisk={false} autoComplete="username" value={fields.username} onChange={set('username')} />
            <TextInput label="Display name" name="displayName" required withAsterisk={false} autoComplete="name" value={fields.displayName} onChange={set('displayName')} />
            <PasswordInput label="Password" name="password" required withAsterisk={false} minLength={8} autoComplete="new-password" value={fields.password} onChange={set('password')} />
            <PasswordInput label="Repeat the password" name="confirm" required withAsterisk={false} autoComplete="new-password" error={mismatch} value={fields.confirm} onChange={set('confirm')} />
            {mismatch && (
              <Alert color="red" role="alert">
                The two passwords differ.
              </Alert>
            )}
            <ErrorNotice error={action.error} />
            <Button type="submit" loading={action.busy} className="align-start">
              Create the organization
            </Button>
          </Stack>
        </form>
      )}
    </Paper>
  );
}
