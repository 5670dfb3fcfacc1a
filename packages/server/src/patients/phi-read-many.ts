/**
 * The PHI rule of authorizePhiRead for many patients at once (the ward board): the same decision
 * per patient (decidePhiAccess: current training and care-team membership, or an active
 * break-glass grant) and the same audit event per patient (allowed or denied, with its reason),
 * all committed together BEFORE the caller reads, in a fixed number of queries: the patients, the
 * user's care-team patients, the user's training and active grants (plus one look-up of the grant
 * rows per patient reachable only by break-glass, to name the grant in the audit event).
 *
 * MUST: a patient refused (another organization, no care relationship, no training) is audited
 *       as denied and left out of the answer; it never fails the others.
 */
import type { Permission } from '../access/index.js';
import { isId, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { actingUser, allows, requirePermission } from './acting-principal.js';
import { decidePhiAccess, type CareTeamMember } from './model.js';
import type { PatientScope } from './store.js';

export interface PhiReadManyRequest {
  readonly permission: Permission;
  readonly action: string;
  readonly fields: string;
  readonly notFound: Parameters<typeof requirePermission>[3];
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface PhiGrantOf {
  readonly orgId: string;
  readonly patientId: string;
  readonly basis: 'care-team' | 'break-glass';
  readonly grantId: string | null;
}

/** Upper bound of patients per call (and so of audit events per transaction). */
export const MAX_PHI_READ_MANY = 500;
const CARE_ROLE: CareTeamMember['role'] = 'member';

/** The audit event of an allowed PHI read (the same for one patient and for many), and the grant it names. */
export async function recordPhiGrant(
  audit: PatientScope['audit'],
  ctx: RequestContext,
  request: Pick<PhiReadManyRequest, 'action' | 'fields' | 'details'>,
  row: { readonly orgId: string; readonly id: string },
  decision: { readonly basis: 'care-team' } | { readonly basis: 'break-glass'; readonly grantId: string },
): Promise<PhiGrantOf> {
  const grantId = decision.basis === 'break-glass' ? decision.grantId : null;
  await audit.record(ctx, {
    action: request.action,
    target: { type: 'patient', id: row.id },
    outcome: 'success',
    reason: decision.basis,
    orgId: row.orgId,
    details: { fields: request.fields, basis: decision.basis, grantId, ...request.details },
  });
  return { orgId: row.orgId, patientId: row.id, basis: decision.basis, grantId };
}

export async function authorizePhiReadMany(
  deps: { readonly uow: UnitOfWork<PatientScope>; readonly now: () => Date },
  ctx: RequestContext,
  patientIds: readonly string[],
  request: PhiReadManyRequest,
): Promise<Map<string, PhiGrantOf>> {
  const user = actingUser(ctx);
  requirePermission(ctx, request.permission, undefined, request.notFound);
  const ids = [...new Set(patientIds)].filter(isId).slice(0, MAX_PHI_READ_MANY);
  const out = new Map<string, PhiGrantOf>();
  if (ids.length === 0) return out;
  return deps.uow.run(async (s) => {
    const now = deps.now();
    const at = now.toISOString();
    const [rows, careOf, training, grantPatients] = await Promise.all([
      s.patients.list(user.orgId, { ids, limit: MAX_PHI_READ_MANY }),
      s.careTeams.patientsOf(user.orgId, user.id),
      s.training.listForUser(user.orgId, user.id),
      s.breakGlass.activePatientsOf(user.orgId, user.id, at),
    ]);
    const found = new Map(rows.map((r) => [r.id, r]));
    const inCare = new Set(careOf);
    const withGrant = new Set(grantPatients);
    for (const patientId of ids) {
      const target = { type: 'patient', id: patientId };
      const row = found.get(patientId);
      const deny = (reason: string) =>
        s.audit.record(ctx, { action: request.action, target, outcome: 'denied', reason, orgId: user.orgId, details: { fields: request.fields, ...request.details } });
      if (row === undefined || !allows(ctx, request.permission, row.orgId)) {
        await deny('not-found');
        continue;
      }
      // The rule asks only whether the user is on the team (patientsOf answers exactly that).
      const careTeam: CareTeamMember[] = inCare.has(row.id) ? [{ userId: user.id, role: CARE_ROLE }] : [];
      // The grant rows only where the decision can need them (the same rows authorizePhiRead reads).
      const grants = withGrant.has(row.id) ? await s.breakGlass.activeFor(row.orgId, row.id, user.id, at) : [];
      const decision = decidePhiAccess({ now, userId: user.id, training, careTeam, grants });
      if (!decision.allow) {
        await deny(decision.reason);
        continue;
      }
      out.set(row.id, await recordPhiGrant(s.audit, ctx, request, row, decision));
    }
    return out;
  });
}
