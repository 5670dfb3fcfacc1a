/**
 * The compliance pages' door to the server (issue 14): audit runs and findings, the risk
 * register, change requests and the signed report. Same rules as api/client.ts: same-origin
 * with the session cookie, the CSRF token on every change, no caching, and the server's error
 * (code, public message, request id) kept as an ApiError so a 403 shows "Access denied".
 */
import { ApiError } from '../../api/client';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type FindingStatus = 'open' | 'mitigated' | 'suppressed' | 'resolved';

export interface AuditRun {
  readonly id: string;
  readonly cadence: 'full' | 'daily';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly actor: string;
  readonly results: ReadonlyArray<{ readonly checkId: string; readonly status: string; readonly detail: string; readonly affected: number; readonly durationMs: number }>;
  readonly counts: { readonly pass: number; readonly fail: number; readonly notApplicable: number; readonly error: number; readonly opened: number; readonly reopened: number; readonly resolved: number };
}

export interface Finding {
  readonly id: string;
  readonly checkId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly detail: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly suppression: { readonly reason: string; readonly owner: string; readonly expiresAt: string; readonly by: string } | null;
  readonly mitigation: { readonly action: string; readonly by: string; readonly at: string; readonly note: string } | null;
}

export interface Check {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
}

export interface Risk {
  readonly id: string;
  readonly title: string;
  readonly threat: string;
  readonly assets: readonly string[];
  readonly likelihood: number;
  readonly impact: number;
  readonly residualLikelihood: number;
  readonly residualImpact: number;
  readonly owner: string;
  readonly reviewAt: string;
  readonly inherentScore: number;
  readonly residualScore: number;
  readonly currentLikelihood: number;
  readonly currentScore: number;
  readonly failingChecks: readonly string[];
  readonly needsReview: boolean;
  readonly reviewReasons: readonly string[];
  readonly controls: ReadonlyArray<{ readonly description: string; readonly checks: readonly string[] }>;
}

export type PayloadValue = string | number | boolean | null | readonly string[];

export interface ChangeRequest {
  readonly id: string;
  readonly orgId: string | null;
  readonly kind: string;
  readonly target: string;
  readonly payload: Readonly<Record<string, PayloadValue>>;
  readonly summary: string;
  readonly status: 'pending' | 'approved' | 'rejected' | 'applied' | 'failed';
  readonly emergency: boolean;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  readonly appliedAt: string | null;
  readonly reviewDueAt: string | null;
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
  readonly audit: { readonly seqs: readonly number[]; readonly requestIds: readonly string[] };
}

export interface ReportVerdict {
  readonly valid: boolean;
  readonly format: 'html' | 'json' | 'pdf' | null;
  readonly keyId: string | null;
  readonly detail: string;
}

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
