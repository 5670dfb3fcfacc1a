/**
 * Change requests: security-relevant changes need a second person's approval before they take
 * effect (HIPAA §164.308(a)(1)(ii)(B) risk management, §164.308(a)(3)(ii)(A)-(B) authorization and
 * supervision; FDA premarket guidance Appendix 1 B). Pure rules, no I/O.
 *
 *   pending -> approved -> applied        (two-person: requester != approver, both pass MFA again)
 *   pending -> rejected
 *   emergency: applied at once -> reviewed by a second person within 72 h, or a finding opens
 *
 * MUST: the approver is never the requester; both pass a step-up second factor.
 * MUST: an applied change keeps the audit request ids and sequence numbers it produced.
 */
export const CHANGE_KINDS = ['role-grant', 'detector-settings', 'password-settings', 'key-rotation', 'insecure-flag', 'firmware-rollout'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export function isChangeKind(value: string): value is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(value);
}

export type ChangeStatus = 'pending' | 'approved' | 'rejected' | 'applied' | 'failed';

export type PayloadValue = string | number | boolean | null | readonly string[];

export interface ChangeRequest {
  readonly id: string;
  /** null: a platform-wide change (settings, keys). */
  readonly orgId: string | null;
  readonly kind: ChangeKind;
  /** What it changes: a user id, a key purpose, a setting name. */
  readonly target: string;
  readonly payload: Readonly<Record<string, PayloadValue>>;
  readonly summary: string;
  readonly status: ChangeStatus;
  readonly emergency: boolean;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  readonly appliedAt: string | null;
  /** Emergency changes: the review deadline (applied + 72 h). */
  readonly reviewDueAt: string | null;
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
  /** Audit events this change produced: its own sequence numbers and the request ids its effects carry. */
  readonly audit: { readonly seqs: readonly number[]; readonly requestIds: readonly string[] };
}

export const EMERGENCY_REVIEW_HOURS = 72;

/** Emergency changes whose review is overdue at `now`. */
export function overdueReview(c: ChangeRequest, now: Date): boolean {
  return c.emergency && c.reviewedAt === null && c.reviewDueAt !== null && Date.parse(c.reviewDueAt) <= now.getTime();
}

/** The request id an applied change's effects carry, so the audit log links back to it. */
export function applyRequestId(changeId: string): string {
  return `change-${changeId}`;
}

/** Roles granted by a role-grant change: its payload's `roles`. */
export function payloadRoles(c: Pick<ChangeRequest, 'payload'>): string[] {
  const roles = c.payload['roles'];
  return Array.isArray(roles) ? [...(roles as readonly string[])].sort() : [];
}
