/** The app shell: header, the page, and the server status line. */
import { SignInPage } from './sign-in-page';
import { StatusLine } from './status-line';

export function App() {
  return (
    <div className="shell">
      <header className="shell-header">
        <span className="brand">Vigil</span>
        <span className="tagline">Secure cloud for connected medical devices</span>
      </header>
      <main className="shell-main">
        <SignInPage />
      </main>
      <footer className="shell-footer">
        <StatusLine />
      </footer>
    </div>
  );
}
