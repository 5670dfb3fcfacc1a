/** How the console shows waiting, errors from the server, and times. */
import { isApiError } from '../api/client';

/** The server's public message, its code and request id (so support can find the log line). */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  if (error === null || error === undefined) return null;
  if (isApiError(error)) {
    return (
      <div className="notice notice-error" role="alert">
        <p>{error.message}</p>
        <p className="muted small">
          {error.code}
          {error.requestId !== null && <> · request {error.requestId}</>}
        </p>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <div className="notice notice-error" role="alert">
      <p>{message}</p>
    </div>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A time in the user's locale; `dateOnly` for calendar dates (training completion, expiry). */
export function Time({ iso, dateOnly = false }: { readonly iso: string | null | undefined; readonly dateOnly?: boolean }) {
  if (iso === null || iso === undefined || iso === '') return <span className="muted">—</span>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span>{iso}</span>;
  return <time dateTime={iso}>{dateOnly ? date.toLocaleDateString(undefined, { timeZone: 'UTC' }) : date.toLocaleString()}</time>;
}
