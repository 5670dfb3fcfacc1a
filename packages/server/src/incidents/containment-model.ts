/**
 * Containment actions: the types and pure rules. No I/O.
 *
 * MUST: an action on more than BULK_THRESHOLD devices (or any revocation of a whole list above
 *       it) waits for a second person's approval; the approver is a user other than the requester.
 */
export const CONTAINMENT_KINDS = ['quarantine-devices', 'revoke-devices', 'disable-users', 'force-password-reset', 'rotate-keys', 'block-source', 'pause-rollouts', 'remediation-update'] as const;
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

export const BULK_THRESHOLD = 10;

export type ActionStatus = 'pending-approval' | 'done' | 'partial' | 'failed';

export interface ActionResult {
  readonly target: string;
  readonly outcome: 'ok' | 'failed';
  /** A coded reason on failure (an error code), never free text. */
  readonly code: string | null;
}

export interface ContainmentAction {
  readonly id: string;
  readonly orgId: string;
  readonly incidentId: string;
  readonly kind: ContainmentKind;
  readonly targets: readonly string[];
  readonly status: ActionStatus;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly results: readonly ActionResult[];
}

export function isDeviceKind(kind: ContainmentKind): boolean {
  return kind === 'quarantine-devices' || kind === 'revoke-devices' || kind === 'remediation-update';
}

export function needsApproval(kind: ContainmentKind, targets: readonly string[]): boolean {
  return isDeviceKind(kind) && targets.length > BULK_THRESHOLD;
}

export function statusOf(results: readonly ActionResult[]): ActionStatus {
  const ok = results.filter((r) => r.outcome === 'ok').length;
  return ok === results.length ? 'done' : ok === 0 ? 'failed' : 'partial';
}
