/**
 * First start: creates the organization and its first administrator with the one-time setup
 * credential the server printed (there are no default passwords, ever).
 */
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
  const set = (name: keyof typeof fields) => (event: { target: { value: string } }) => setFields((f) => ({ ...f, [name]: event.target.value }));

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
    <section className="card wide" aria-labelledby="setup-title">
      <h1 id="setup-title">Set up Vigil</h1>
      <p>Create your organization and its first administrator. The setup credential was printed once by the server at its first start (<code>vigil start</code>).</p>
      {finished ? (
        <div className="notice" role="status">
          <p>This server is already set up, or it does not offer setup over the web (use <code>vigil user create</code> on the host).</p>
          {isApiError(action.error) && (
            <p className="muted small">
              {action.error.code} · {action.error.message}
            </p>
          )}
          <p>
            <Link to="/">Go to sign-in</Link>
          </p>
        </div>
      ) : (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <label>
            Setup credential
            <input name="setupCredential" required autoComplete="off" spellCheck={false} value={fields.setupCredential} onChange={set('setupCredential')} autoFocus />
          </label>
          <label>
            Organization name
            <input name="organization" required autoComplete="organization" value={fields.organization} onChange={set('organization')} />
          </label>
          <label>
            Administrator username
            <input name="username" required autoComplete="username" value={fields.username} onChange={set('username')} />
          </label>
          <label>
            Display name
            <input name="displayName" required autoComplete="name" value={fields.displayName} onChange={set('displayName')} />
          </label>
          <label>
            Password
            <input name="password" type="password" required minLength={8} autoComplete="new-password" value={fields.password} onChange={set('password')} />
          </label>
          <label>
            Repeat the password
            <input name="confirm" type="password" required autoComplete="new-password" aria-invalid={mismatch} value={fields.confirm} onChange={set('confirm')} />
          </label>
          {mismatch && (
            <p className="notice notice-error" role="alert">
              The two passwords differ.
            </p>
          )}
          <ErrorNotice error={action.error} />
          <button type="submit" className="primary" disabled={action.busy}>
            Create the organization
          </button>
        </form>
      )}
    </section>
  );
}
