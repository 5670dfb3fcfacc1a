/**
 * Sign-in, second step (session state `mfa-required`): an authenticator code, a recovery code, or
 * a passkey (WebAuthn, through @simplewebauthn/browser).
 */
import { Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { startAuthentication } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { useSession, useSignedIn } from '../session';

type Method = 'totp' | 'recovery' | 'webauthn';

export function MfaStepPage() {
  const { api, apply, signOut } = useSession();
  const session = useSignedIn();
  const hasTotp = session.mfaMethods.includes('totp');
  const hasPasskey = session.mfaMethods.includes('webauthn');
  const [method, setMethod] = useState<Method>(hasTotp || !hasPasskey ? 'totp' : 'webauthn');
  const [code, setCode] = useState('');
  const action = useAction();

  const choose = (next: Method) => {
    setMethod(next);
    setCode('');
    action.clear();
  };

  const submitCode = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = code.replace(/\s+/g, '');
    const result = await action.run(() => (method === 'recovery' ? api.mfaRecovery(value) : api.mfaTotp(value)));
    setCode('');
    if (result !== undefined) apply(result);
  };

  const usePasskey = async () => {
    const result = await action.run(async () => {
      const optionsJSON = await api.mfaWebauthnOptions();
      const response = await startAuthentication({ optionsJSON });
      return api.mfaWebauthn(response);
    });
    if (result !== undefined) apply(result);
  };

  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card" aria-labelledby="mfa-title">
      <Title order={1} size="h2" id="mfa-title" mb="sm">
        Verify it’s you
      </Title>
      <Text mb="md">Signed in as {session.user.username}. Your account needs a second factor.</Text>
      {method === 'webauthn' ? (
        <Stack gap="sm">
          <Text>Use the passkey on this device or your security key.</Text>
          <ErrorNotice error={action.error} />
          <Button disabled={action.busy} onClick={() => void usePasskey()} className="align-start">
            {action.busy ? 'Waiting for the passkey…' : 'Use a passkey'}
          </Button>
        </Stack>
      ) : (
        <form onSubmit={(event) => void submitCode(event)}>
          <Stack gap="sm">
            <TextInput
              key={method}
              label={method === 'totp' ? 'Code from your authenticator app' : 'Recovery code'}
              name="code"
              required
              withAsterisk={false}
              autoFocus
              autoComplete="one-time-code"
              inputMode={method === 'totp' ? 'numeric' : 'text'}
              {...(method === 'totp' ? { pattern: '[0-9 ]{6,7}', maxLength: 7 } : { maxLength: 64 })}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
            />
            <ErrorNotice error={action.error} />
            <Button type="submit" loading={action.busy} className="align-start">
              Verify
            </Button>
          </Stack>
        </form>
      )}
      <Group gap="xs" mt="md" wrap="wrap">
        {method !== 'totp' && hasTotp && (
          <Button variant="subtle" size="compact-sm" onClick={() => choose('totp')}>
            Use an authenticator code
          </Button>
        )}
        {method !== 'webauthn' && hasPasskey && (
          <Button variant="subtle" size="compact-sm" onClick={() => choose('webauthn')}>
            Use a passkey
          </Button>
        )}
        {method !== 'recovery' && (
          <Button variant="subtle" size="compact-sm" onClick={() => choose('recovery')}>
            Use a recovery code
          </Button>
        )}
        <Button variant="subtle" size="compact-sm" onClick={() => void signOut()}>
          Cancel and sign out
        </Button>
      </Group>
    </Paper>
  );
}
