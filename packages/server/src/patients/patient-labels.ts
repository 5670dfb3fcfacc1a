/**
 * Labels of patients and people for lists of other modules (clinical alerts, the break-glass
 * review queue, care-team management): a patient's display name and MRN, a user's display name.
 *
 * MUST: a patient's name and MRN are PHI: they are opened only for a user with current HIPAA
 *       training who holds the permission the caller names, in that user's organization, and
 *       each label shown is audited (`patients.record.label`, with the purpose and fields).
 *       An untrained reader gets no label (the caller shows ids), and the refusal is audited.
 * MUST: `careOnly` labels only patients the user may read under the PHI rule (care team or an
 *       active break-glass grant); other ids are silently left out.
 * MUST: `search` matches names and MRNs of the organization's patients for a trained user holding
 *       the named permission, and audits each patient it answers with (never the ones it skipped).
 * MUST: care-team management (`careTeam`) shows the team and the patient's label, never the
 *       record: it needs patients:care-team, not the PHI rule (an admin manages teams without
 *       opening charts).
 */
import type { Permission } from '../access/index.js';
import { AppError, isId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { actingUser, allows, requirePermission } from './acting-principal.js';
import { displayName, hasCurrentHipaaTraining, SUMMARY_FIELDS, type CareTeamRole } from './model.js';
import type { PhiSealing } from './phi-sealing.js';
import type { PatientScope, UserDirectory } from './store.js';

export interface PatientLabel {
  readonly displayName: string;
  readonly mrn: string;
}

export interface CareTeamView {
  readonly patientId: string;
  /** null when the reader has no current training (the label is PHI). */
  readonly patient: PatientLabel | null;
  readonly careTeam: ReadonlyArray<{ readonly userId: string; readonly role: CareTeamRole; readonly displayName: string | null }>;
}

export interface PatientLabelsDeps {
  readonly uow: UnitOfWork<PatientScope>;
  readonly sealing: PhiSealing;
  readonly clock: Clock;
  readonly users: UserDirectory;
}

/** Upper bound of labels opened at once (and so of audit events per call). */
export const MAX_LABELS = 500;
/** How many patients one search looks through (the organization's directory bound). */
const MAX_SEARCHED = 5000;
const FIELDS = SUMMARY_FIELDS.join(',');

export class PatientLabels {
  constructor(private readonly deps: PatientLabelsDeps) {}

  /** Display names of users of the caller's organization (not PHI); unknown ids are left out. */
  async userNames(ctx: RequestContext, userIds: readonly string[]): Promise<Map<string, string>> {
    const orgId = ctx.principal.kind === 'user' ? ctx.principal.orgId : null;
    if (orgId === null) return new Map();
    return this.deps.users.displayNames(orgId, [...new Set(userIds)].filter(isId).slice(0, MAX_LABELS));
  }

  /** Labels of patients, for a list shown under `permission` for `purpose` (audited per patient). */
  async labels(
    ctx: RequestContext,
    patientIds: readonly string[],
    request: { readonly permission: Permission; readonly purpose: string; readonly careOnly: boolean },
  ): Promise<Map<string, PatientLabel>> {
    const out = new Map<string, PatientLabel>();
    if (ctx.principal.kind !== 'user') return out;
    const user = ctx.principal;
    const ids = [...new Set(patientIds)].filter(isId).slice(0, MAX_LABELS);
    if (ids.length === 0 || !allows(ctx, request.permission, user.orgId)) return out;
    return this.deps.uow.run(async (s) => {
      const now = this.deps.clock.now();
      if (!hasCurrentHipaaTraining(await s.training.listForUser(user.orgId, user.id), now)) {
        await s.audit.record(ctx, { action: 'patients.record.label', target: { type: 'patient_list', id: user.orgId }, outcome: 'denied', reason: 'training-required', orgId: user.orgId, details: { purpose: request.purpose, count: ids.length } });
        return out;
      }
      let allowed = ids;
      if (request.careOnly) {
        const care = new Set([...(await s.careTeams.patientsOf(user.orgId, user.id)), ...(await s.breakGlass.activePatientsOf(user.orgId, user.id, now.toISOString()))]);
        allowed = ids.filter((id) => care.has(id));
      }
      if (allowed.length === 0) return out;
      for (const row of await s.patients.list(user.orgId, { ids: allowed, limit: MAX_LABELS })) {
        const d = this.deps.sealing.openFields(row.orgId, row.id, row.sealed, SUMMARY_FIELDS);
        await s.audit.record(ctx, {
          action: 'patients.record.label',
          target: { type: 'patient', id: row.id },
          outcome: 'success',
          reason: request.purpose,
          orgId: row.orgId,
          details: { fields: FIELDS, purpose: request.purpose },
        });
        out.set(row.id, { displayName: displayName(d), mrn: d.mrn });
      }
      return out;
    });
  }

  /** Patients whose name or MRN contains `q` (case-insensitive), at most `limit`; each match audited. */
  async search(ctx: RequestContext, q: string, request: { readonly permission: Permission; readonly purpose: string; readonly limit: number }): Promise<Array<PatientLabel & { readonly id: string }>> {
    const user = actingUser(ctx);
    requirePermission(ctx, request.permission);
    const needle = q.trim().toLocaleLowerCase();
    if (needle.length === 0) return [];
    return this.deps.uow.run(async (s) => {
      if (!hasCurrentHipaaTraining(await s.training.listForUser(user.orgId, user.id), this.deps.clock.now())) {
        await s.audit.record(ctx, { action: 'patients.record.search', target: { type: 'patient_list', id: user.orgId }, outcome: 'denied', reason: 'training-required', orgId: user.orgId, details: { purpose: request.purpose } });
        throw new AppError('PATIENTS_TRAINING_REQUIRED');
      }
      const out: Array<PatientLabel & { id: string }> = [];
      for (const row of await s.patients.list(user.orgId, { limit: MAX_SEARCHED })) {
        const d = this.deps.sealing.openFields(row.orgId, row.id, row.sealed, SUMMARY_FIELDS);
        const label = { id: row.id, displayName: displayName(d), mrn: d.mrn };
        if (!`${label.displayName}\u0000${d.givenName} ${d.familyName}\u0000${label.mrn}`.toLocaleLowerCase().includes(needle)) continue;
        await s.audit.record(ctx, { action: 'patients.record.label', target: { type: 'patient', id: row.id }, outcome: 'success', reason: request.purpose, orgId: row.orgId, details: { fields: FIELDS, purpose: request.purpose } });
        out.push(label);
        if (out.length >= request.limit) break;
      }
      return out;
    });
  }

  /** A patient's care team with names, for those who manage teams (patients:care-team), without the record. */
  async careTeam(ctx: RequestContext, patientId: string): Promise<CareTeamView> {
    const user = actingUser(ctx);
    requirePermission(ctx, 'patients:care-team');
    if (!isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    const members = await this.deps.uow.run(async (s) => {
      const row = await s.patients.get(user.orgId, patientId);
      if (row === undefined) throw new AppError('PATIENTS_NOT_FOUND');
      requirePermission(ctx, 'patients:care-team', row.orgId, 'PATIENTS_NOT_FOUND');
      return s.careTeams.members(row.orgId, row.id);
    });
    const [names, labels] = await Promise.all([
      this.userNames(ctx, members.map((m) => m.userId)),
      this.labels(ctx, [patientId], { permission: 'patients:care-team', purpose: 'care-team-management', careOnly: false }),
    ]);
    return {
      patientId,
      patient: labels.get(patientId) ?? null,
      careTeam: members.map((m) => ({ userId: m.userId, role: m.role, displayName: names.get(m.userId) ?? null })),
    };
  }
}
