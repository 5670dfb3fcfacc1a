/**
 * The incident pages' same-origin fetch helper (cookie session + CSRF token on state changes,
 * no caching: answers may name patients by id). A refused request throws the server's public
 * message.
 */
import type { paths } from '../api/schema';
import type { Answer } from '../api/types';

export async function call<T>(csrf: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const parsed = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new Error(parsed.error?.message ?? `The server answered ${response.status}.`);
  return parsed as T;
}

// The answers' shapes, derived from the schema generated out of the server's OpenAPI document
// (api/schema.d.ts), so that the pages and the server cannot drift.
export type IncidentView = Answer<'/api/v1/incidents/{id}', 'get'>;
export type IncidentList = Answer<'/api/v1/incidents', 'get'>;
export type IncidentTimeline = Answer<'/api/v1/incidents/{id}/timeline', 'get'>;
export type TimelineEntry = IncidentTimeline['entries'][number];
export type BlastItem = IncidentTimeline['blastRadius']['devices'][number];
export type BlastRadius = IncidentTimeline['blastRadius'];
export type ObligationList = Answer<'/api/v1/incidents/{id}/obligations', 'get'>;
export type Obligation = ObligationList['obligations'][number];
export type ActionList = Answer<'/api/v1/incidents/{id}/actions', 'get'>;
export type ActionView = ActionList['actions'][number];
export type ContainAnswer = Answer<'/api/v1/incidents/{id}/contain', 'post'>;
export type ContainRequest = NonNullable<paths['/api/v1/incidents/{id}/contain']['post']['requestBody']>['content']['application/json'];
export type ContainmentKind = ContainRequest['kind'];
export type IncidentSettings = Answer<'/api/v1/incident-settings', 'get'>;
