/**
 * How the console shows waiting, errors from the server, and times: thin wrappers over Mantine's
 * Alert and Loader that keep the console's wording and accessible roles (an error is
 * role="alert", waiting is role="status" with "Loading …" as its text).
 */
import { Alert, Group, Loader, Text } from '@mantine/core';
import { isApiError } from '../api/client';

/** The server's public message, its code and request id (so support can find the log line). */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  if (error === null || error === undefined) return null;
  const message = isApiError(error) ? error.message : error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <Alert color="red" variant="light" role="alert">
      <Text size="sm">{message}</Text>
      {isApiError(error) && (
        <Text size="xs" c="dimmed">
          {error.code}
          {error.requestId !== null && <> · request {error.requestId}</>}
        </Text>
      )}
    </Alert>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <Group gap="xs" role="status" my="xs">
      <Loader size="xs" aria-hidden />
      <Text c="dimmed" size="sm">
        Loading {what}…
      </Text>
    </Group>
  );
}

/** A time in the user's locale; `dateOnly` for calendar dates (training completion, expiry). */
export function Time({ iso, dateOnly = false }: { readonly iso: string | null | undefined; readonly dateOnly?: boolean }) {
  if (iso === null || iso === undefined || iso === '') return <span className="muted">—</span>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <span>{iso}</span>;
  return <time dateTime={iso}>{dateOnly ? date.toLocaleDateString(undefined, { timeZone: 'UTC' }) : date.toLocaleString()}</time>;
}
