/** Placeholder until the identity module ships sign-in (passwords, MFA, passkeys). */
export function SignInPage() {
  return (
    <section className="card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>Sign-in arrives with identity: user accounts, multi-factor authentication and sessions.</p>
      <p className="muted">Until then, the console shows only the server&apos;s status.</p>
    </section>
  );
}
