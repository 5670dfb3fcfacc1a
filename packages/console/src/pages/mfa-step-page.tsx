/**
 * Sign-in, second step (session state `mfa-required`): an authenticator code, a recovery code, or
 * a passkey (WebAuthn, through @simplewebauthn/browser).
 */
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
    <section className="card" aria-labelledby="mfa-title">
      <h1 id="mfa-title">Verify it’s you</h1>
      <p>Signed in as {session.user.username}. Your account needs a second factor.</p>
      {method === 'webauthn' ? (
        <div className="form">
          <p>Use the passkey on this device or your security key.</p>
          <ErrorNotice error={action.error} />
          <button type="button" className="primary" disabled={action.busy} onClick={() => void usePasskey()}>
            {action.busy ? 'Waiting for the passkey…' : 'Use a passkey'}
          </button>
        </div>
      ) : (
        <form className="form" onSubmit={(event) => void submitCode(event)}>
          <label>
            {method === 'totp' ? 'Code from your authenticator app' : 'Recovery code'}
            <input
              key={method}
              name="code"
              required
              autoFocus
              autoComplete="one-time-code"
              inputMode={method === 'totp' ? 'numeric' : 'text'}
              {...(method === 'totp' ? { pattern: '[0-9 ]{6,7}', maxLength: 7 } : { maxLength: 64 })}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <ErrorNotice error={action.error} />
          <button type="submit" className="primary" disabled={action.busy}>
            Verify
          </button>
        </form>
      )}
      <div className="alternatives">
        {method !== 'totp' && hasTotp && (
          <button type="button" className="link" onClick={() => choose('totp')}>
            Use an authenticator code
          </button>
        )}
        {method !== 'webauthn' && hasPasskey && (
          <button type="button" className="link" onClick={() => choose('webauthn')}>
            Use a passkey
          </button>
        )}
        {method !== 'recovery' && (
          <button type="button" className="link" onClick={() => choose('recovery')}>
            Use a recovery code
          </button>
        )}
        <button type="button" className="link" onClick={() => void signOut()}>
          Cancel and sign out
        </button>
      </div>
    </section>
  );
}
