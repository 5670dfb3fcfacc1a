/**
 * MFA enrolment: an authenticator app (TOTP, RFC 6238) from a QR code, with one-time recovery
 * codes, or a passkey (WebAuthn). Forced while the session state is `mfa-enrollment-required`
 * (privileged roles cannot finish signing in without it), and open from the account page.
 *
 * MUST: the QR code (an SVG string from our own server) is shown as an <img> data: URL, never
 *       inserted as markup: an <img> SVG cannot run script or reach the page.
 * MUST: recovery codes are shown once, and the session moves on only after the user says they
 *       saved them.
 */
import { Button, Code, Image, List, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { startRegistration } from '@simplewebauthn/browser';
import { useState, type FormEvent } from 'react';
import type { AuthResult, TotpConfirmation, TotpSetup } from '../api/types';
import { ErrorNotice } from '../components/feedback';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { useSession, useSignedIn } from '../session';

/** base64 of a UTF-8 string (btoa alone accepts Latin-1 only). */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${base64Utf8(svg)}`;
}

/** Groups a base32 secret in fours so it can be typed into an app by hand. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function TotpEnrollment({ onDone, onCodesShown }: { readonly onDone: (result: AuthResult) => void; readonly onCodesShown?: () => void }) {
  const { api } = useSession();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [confirmed, setConfirmed] = useState<TotpConfirmation | null>(null);
  const [code, setCode] = useState('');
  const action = useAction();

  const start = async () => {
    const result = await action.run(() => api.totpSetup());
    if (result !== undefined) setSetup(result);
  };

  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = await action.run(() => api.totpConfirm(code.replace(/\s+/g, '')));
    setCode('');
    if (result !== undefined) {
      setConfirmed(result);
      onCodesShown?.();
    }
  };

  if (confirmed !== null) {
    return (
      <Stack gap="sm" className="enrol-step">
        <Title order={3} size="h4">
          Save your recovery codes
        </Title>
        <Text>Each code signs you in once if you lose your authenticator. Store them somewhere safe: they are shown only now.</Text>
        <List aria-label="Recovery codes" listStyleType="none" className="recovery-codes">
          {confirmed.recoveryCodes.map((recoveryCode) => (
            <List.Item key={recoveryCode}>
              <Code>{recoveryCode}</Code>
            </List.Item>
          ))}
        </List>
        <SecretValue label="Recovery codes" value={confirmed.recoveryCodes.join('\n')} hidden />
        <Button onClick={() => onDone(confirmed)} className="align-start">
          I have saved my recovery codes
        </Button>
      </Stack>
    );
  }

  if (setup === null) {
    return (
      <Stack gap="sm" className="enrol-step">
        <Title order={3} size="h4">
          Authenticator app
        </Title>
        <Text>Use an app such as FreeOTP, Aegis or Google Authenticator.</Text>
        <ErrorNotice error={action.error} />
        <Button loading={action.busy} onClick={() => void start()} className="align-start">
          Set up an authenticator app
        </Button>
      </Stack>
    );
  }

  return (
    <Stack gap="sm" className="enrol-step">
      <Title order={3} size="h4">
        Scan the QR code
      </Title>
      <Image className="qr" src={svgDataUrl(setup.qrSvg)} alt="QR code for your authenticator app. The key is also shown as text below." w={200} h={200} fit="contain" />
      <Text>
        Or enter this key by hand: <Code data-testid="totp-secret">{grouped(setup.secret)}</Code>
      </Text>
      <form onSubmit={(event) => void confirm(event)}>
        <Stack gap="sm" maw="28rem">
          <TextInput
            label="The 6-digit code your app shows"
            name="totpCode"
            required
            withAsterisk={false}
            autoFocus
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />
          <ErrorNotice error={action.error} />
          <Button type="submit" loading={action.busy} className="align-start">
            Confirm
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

export function PasskeyEnrollment({ onDone }: { readonly onDone: (result: AuthResult) => void }) {
  const { api } = useSession();
  const action = useAction();
  const register = async () => {
    const result = await action.run(async () => {
      const optionsJSON = await api.passkeyOptions();
      const response = await startRegistration({ optionsJSON });
      return api.passkeyRegister(response);
    });
    if (result !== undefined) onDone(result);
  };
  return (
    <Stack gap="sm" className="enrol-step">
      <Title order={3} size="h4">
        Passkey
      </Title>
      <Text>A passkey on this device or a security key (WebAuthn).</Text>
      <ErrorNotice error={action.error} />
      <Button variant="default" disabled={action.busy} onClick={() => void register()} className="align-start">
        {action.busy ? 'Waiting for the passkey…' : 'Add a passkey'}
      </Button>
    </Stack>
  );
}

export function MfaEnrollmentPage() {
  const { apply, signOut } = useSession();
  const session = useSignedIn();
  const [codesShown, setCodesShown] = useState(false);
  return (
    <Paper component="section" withBorder radius="md" p="xl" className="card wide" aria-labelledby="enrol-title">
      <Title order={1} size="h2" id="enrol-title" mb="sm">
        Set up multi-factor authentication
      </Title>
      <Text mb="md">Your role ({session.roles.join(', ')}) requires a second factor. Set one up to finish signing in.</Text>
      <Stack gap="xl">
        <TotpEnrollment onDone={apply} onCodesShown={() => setCodesShown(true)} />
        {!codesShown && <PasskeyEnrollment onDone={apply} />}
      </Stack>
      <Button variant="subtle" mt="md" onClick={() => void signOut()}>
        Sign out
      </Button>
    </Paper>
  );
}
