/** The signed-in user's own account: password change and second factors. */
import { useState } from 'react';
import { Time } from '../components/feedback';
import { useSession, useSignedIn } from '../session';
import { PasswordChangeForm } from './password-change-page';
import { PasskeyEnrollment, TotpEnrollment } from './mfa-enrollment-page';

export function AccountPage() {
  const { apply } = useSession();
  const session = useSignedIn();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <dl className="facts">
        <dt>Username</dt>
        <dd>{session.user.username}</dd>
        <dt>Roles</dt>
        <dd>{session.roles.join(', ')}</dd>
        <dt>Second factors</dt>
        <dd>{session.mfaMethods.length === 0 ? 'none' : session.mfaMethods.join(', ')}</dd>
        <dt>Session ends at the latest</dt>
        <dd>
          <Time iso={session.absoluteExpiresAt} />
        </dd>
      </dl>
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <h2>Change your password</h2>
      <PasswordChangeForm onChanged={() => setNotice('Password changed. Your other sessions were signed out.')} />
      <h2>Multi-factor authentication</h2>
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
    </section>
  );
}
