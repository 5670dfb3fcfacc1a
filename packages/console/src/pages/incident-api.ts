/**
 * The incident pages' same-origin fetch helper (cookie session + CSRF token on state changes,
 * no caching: answers may name patients by id). A refused request throws the server's public
 * message.
 */
export async function call<T>(csrf: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const parsed = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new Error(parsed.error?.message ?? `The server answered ${response.status}.`);
  return parsed as T;
}
