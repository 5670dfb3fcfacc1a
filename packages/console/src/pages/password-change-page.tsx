/**
 * Changing one's password: forced (session state `password-change-required`, after an admin
 * reset, a one-time password or an expired password) or by choice from the account page.
 * The server applies the policy (length, breached and common passwords, reuse); its message says
 * which rule failed.
 */
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
    <form className="form" onSubmit={(event) => void submit(event)}>
      <label>
        Current password
        <input name="currentPassword" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label>
        New password
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          aria-describedby="new-password-help"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
      </label>
      <p id="new-password-help" className="muted small">
        Use a long passphrase. Common, breached and recently used passwords are refused, as is one containing your username.
      </p>
      <label>
        Repeat the new password
        <input
          name="confirmPassword"
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch}
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
      </label>
      {mismatch && (
        <p className="notice notice-error" role="alert">
          The two new passwords differ.
        </p>
      )}
      <ErrorNotice error={action.error} />
      <button type="submit" className="primary" disabled={action.busy}>
        Change password
      </button>
    </form>
  );
}

export function PasswordChangePage() {
  const { signOut } = useSession();
  return (
    <section className="card" aria-labelledby="password-title">
      <h1 id="password-title">Choose a new password</h1>
      <p>Your password must be changed before you continue: it was set by an administrator, or it has expired.</p>
      <PasswordChangeForm />
      <p>
        <button type="button" className="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
    </section>
  );
}
