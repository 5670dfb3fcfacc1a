/**
 * Sign-in, first step: username and password, and the organization when the username exists in
 * more than one (usernames are unique per organization). The server answers with the session's state, and
 * the app shows the next step (second factor, enrolment, password change) from that state.
 *
 * MUST: the same message for an unknown user and a wrong password (the server's, shown as is).
 * MUST: the password field is never prefilled and is cleared after a failed attempt.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/feedback';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

export function SignInPage({ message, username: initialUsername = '' }: { readonly message?: string | undefined; readonly username?: string }) {
  const { api, apply } = useSession();
  const [username, setUsername] = useState(initialUsername);
  const [password, setPassword] = useState('');
  const [organization, setOrganization] = useState('');
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
    const result = await action.run(() => api.login(username.trim(), password, organization.trim()));
    setPassword('');
    if (result !== undefined) apply(result);
  };

  return (
    <section className="card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {message !== undefined && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} className="form">
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          Organization <span className="muted small">(if your username exists in more than one)</span>
          <input name="organization" autoComplete="organization" value={organization} onChange={(e) => setOrganization(e.target.value)} />
        </label>
        <ErrorNotice error={action.error} />
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {setupPending && (
        <p className="setup-offer">
          First start? <Link to="/setup">First-time setup</Link>: create the first administrator with the setup credential the server printed.
        </p>
      )}
    </section>
  );
}
