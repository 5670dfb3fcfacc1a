/**
 * Search results as a FHIR R4 searchset Bundle (https://hl7.org/fhir/R4/bundle.html), and
 * errors as OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html). Pure.
 */
import type { BundleLink, IssueType, OperationOutcomeResource, Resource, SearchBundle } from './resources.js';

export function searchBundle<R extends Resource>(baseUrl: string, resources: readonly R[], links: readonly BundleLink[], timestamp: string): SearchBundle<R> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp,
    link: links,
    entry: resources.map((resource) => ({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' as const } })),
  };
}

/** The issue type for an HTTP status (R4 value set issue-type). */
export function issueType(status: number): IssueType {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 405 || status === 406 || status === 415) return 'not-supported';
  if (status === 429) return 'throttled';
  if (status === 413) return 'too-costly';
  if (status >= 400 && status < 500) return 'invalid';
  return 'exception';
}

export function operationOutcome(status: number, diagnostics: string): OperationOutcomeResource {
  return { resourceType: 'OperationOutcome', issue: [{ severity: status >= 500 ? 'fatal' : 'error', code: issueType(status), diagnostics }] };
}
