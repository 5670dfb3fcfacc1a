/**
 * A secret shown exactly once (one-time password, enrolment token, recovery codes): the server
 * keeps only its hash, so the console says so and offers a copy button. `hidden` leaves the display
 * to the caller (a list of recovery codes) and keeps the copy button and the notice.
 */
import { useState } from 'react';

export function SecretValue({ label, value, hidden = false }: { readonly label: string; readonly value: string; readonly hidden?: boolean }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <div className="secret">
      {!hidden && <p className="secret-label">{label}</p>}
      <p>
        {!hidden && (
          <>
            <code className="secret-value" data-testid="secret-value">
              {value}
            </code>{' '}
          </>
        )}
        <button type="button" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
          Copy
        </button>
      </p>
      <p className="muted small" role="status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Copy failed: select the text and copy it.' : 'Shown once: it cannot be displayed again.'}
      </p>
    </div>
  );
}
