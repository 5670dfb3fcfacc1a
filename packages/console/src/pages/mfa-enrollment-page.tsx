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
      <div className="enrol-step">
        <h3>Save your recovery codes</h3>
        <p>Each code signs you in once if you lose your authenticator. Store them somewhere safe: they are shown only now.</p>
        <ul className="recovery-codes" aria-label="Recovery codes">
          {confirmed.recoveryCodes.map((recoveryCode) => (
            <li key={recoveryCode}>
              <code>{recoveryCode}</code>
            </li>
          ))}
        </ul>
        <SecretValue label="Recovery codes" value={confirmed.recoveryCodes.join('\n')} hidden />
        <button type="button" className="primary" onClick={() => onDone(confirmed)}>
          I have saved my recovery codes
        </button>
      </div>
    );
  }

  if (setup === null) {
    return (
      <div className="enrol-step">
        <h3>Authenticator app</h3>
        <p>Use an app such as FreeOTP, Aegis or Google Authenticator.</p>
        <ErrorNotice error={action.error} />
        <button type="button" className="primary" disabled={action.busy} onClick={() => void start()}>
          Set up an authenticator app
        </button>
      </div>
    );
  }

  return (
    <div className="enrol-step">
      <h3>Scan the QR code</h3>
      <img className="qr" src={svgDataUrl(setup.qrSvg)} alt="QR code for your authenticator app. The key is also shown as text below." width={200} height={200} />
      <p>
        Or enter this key by hand: <code data-testid="totp-secret">{grouped(setup.secret)}</code>
      </p>
      <form className="form" onSubmit={(event) => void confirm(event)}>
        <label>
          The 6-digit code your app shows
          <input
            name="totpCode"
            required
            autoFocus
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <ErrorNotice error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          Confirm
        </button>
      </form>
    </div>
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
    <div className="enrol-step">
      <h3>Passkey</h3>
      <p>A passkey on this device or a security key (WebAuthn).</p>
      <ErrorNotice error={action.error} />
      <button type="button" disabled={action.busy} onClick={() => void register()}>
        {action.busy ? 'Waiting for the passkey…' : 'Add a passkey'}
      </button>
    </div>
  );
}

export function MfaEnrollmentPage() {
  const { apply, signOut } = useSession();
  const session = useSignedIn();
  const [codesShown, setCodesShown] = useState(false);
  return (
    <section className="card wide" aria-labelledby="enrol-title">
      <h1 id="enrol-title">Set up multi-factor authentication</h1>
      <p>Your role ({session.roles.join(', ')}) requires a second factor. Set one up to finish signing in.</p>
      <TotpEnrollment onDone={apply} onCodesShown={() => setCodesShown(true)} />
      {!codesShown && <PasskeyEnrollment onDone={apply} />}
      <p>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    </section>
  );
}
