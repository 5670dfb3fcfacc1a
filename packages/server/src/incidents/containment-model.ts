/**
 * Containment actions: the types and pure rules. No I/O.
 *
 * MUST: an action on more than BULK_THRESHOLD devices, and any action on a whole device group,
 *       waits for a second person's approval; the approver is a user other than the requester.
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

/** What the request named besides its targets, kept so an approved action runs as requested. */
export interface ActionOptions {
  /** block-source: how long, in hours. */
  readonly hours?: number;
  /** quarantine-devices / revoke-devices: the device group the targets were taken from. */
  readonly group?: string;
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
  /** The reason the requester gave (keys/ Sealer text bound to the incident), or null. */
  readonly reasonSealed: string | null;
  readonly options: ActionOptions;
}

export function isDeviceKind(kind: ContainmentKind): boolean {
  return kind === 'quarantine-devices' || kind === 'revoke-devices' || kind === 'remediation-update';
}

/** Whether the action waits for a second person: many devices, or a whole group. */
export function needsApproval(kind: ContainmentKind, targets: readonly string[], group?: string): boolean {
  return isDeviceKind(kind) && (targets.length > BULK_THRESHOLD || group !== undefined);
}

export function statusOf(results: readonly ActionResult[]): ActionStatus {
  const ok = results.filter((r) => r.outcome === 'ok').length;
  return ok === results.length ? 'done' : ok === 0 ? 'failed' : 'partial';
}
