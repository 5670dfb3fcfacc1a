/**
 * The compliance pages' door to the server (issue 14): audit runs and findings, the risk
 * register, change requests and the signed report. Same rules as api/client.ts: same-origin
 * with the session cookie, the CSRF token on every change, no caching, and the server's error
 * (code, public message, request id) kept as an ApiError so a 403 shows "Access denied".
 */
import { ApiError } from '../../api/client';
import type { paths } from '../../api/schema';

/** The JSON body of a 200 answer of `paths[P][M]` in the generated schema.d.ts. */
type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer J } } } } ? J : never;

// Derived from the server's OpenAPI document (schema.d.ts), so console and server cannot drift.
export type AuditRun = Answer<'/api/v1/compliance/audits', 'get'>['runs'][number];
export type Finding = Answer<'/api/v1/compliance/findings', 'get'>['findings'][number];
export type Check = Answer<'/api/v1/compliance/checks', 'get'>['checks'][number];
export type Risk = Answer<'/api/v1/risks', 'get'>['risks'][number];
export type ChangeRequest = Answer<'/api/v1/changes', 'get'>['changes'][number];
export type ReportVerdict = Answer<'/api/v1/compliance/report/verify', 'post'>;
export type Severity = Finding['severity'];
export type FindingStatus = Finding['status'];
export type FindingQuery = NonNullable<paths['/api/v1/compliance/findings']['get']['parameters']['query']>;
export type PayloadValue = ChangeRequest['payload'][string];

export const MITIGATION_ACTIONS = ['quarantine-device', 'revoke-device', 'disable-user', 'require-mfa'] as const;

/** One API call; a non-2xx answer throws ApiError with the server's code, message and request id. */
export async function call<T>(csrf: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const parsed = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string; requestId?: string } };
  if (!response.ok) throw new ApiError(response.status, parsed.error?.code ?? 'HTTP_ERROR', parsed.error?.message ?? `The server answered ${response.status}.`, parsed.error?.requestId ?? null);
  return parsed as T;
}

/** A query string of the set values. */
export function qs(params: Record<string, string>): string {
  const set = Object.entries(params).filter(([, v]) => v !== '');
  return set.length === 0 ? '' : `?${new URLSearchParams(set).toString()}`;
}
