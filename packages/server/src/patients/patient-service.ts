/**
 * Patient records: register, list, open, and manage the care team.
 *
 * MUST: every PHI read and write runs the PHI rule (model.ts decidePhiAccess, or training for a
 *       registration and the directory), and writes its audit event in the same transaction:
 *       who (the context's principal), which patient (target), which fields (names, never
 *       values), under which basis and grant. A denied read is audited too, then refused.
 * MUST: a patient of another organization is PATIENTS_NOT_FOUND (404), never 403.
 * MUST: PHI is sealed before it reaches a store and opened only after the rule allowed it, and
 *       only the fields the answer needs.
 */
import type { Permission } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import {
  AppError,
  isId,
  newId,
  parseListPage,
  type Clock,
  type ErrorCode,
  type ListPageInput,
  type Paged,
  type Principal,
  type RequestContext,
  type UnitOfWork,
} from '../kernel/index.js';
import { actingOrg, actingUser, allows, requirePermission, type UserPrincipal } from './acting-principal.js';
import {
  CARE_TEAM_ROLES,
  decidePhiAccess,
  displayName,
  hasCurrentHipaaTraining,
  isValidBirthDate,
  isValidName,
  MRN_RE,
  PHI_FIELDS,
  SEXES,
  SUMMARY_FIELDS,
  type CareTeamMember,
  type Demographics,
  type Patient,
  type PhiBasis,
  type PhiDecision,
} from './model.js';
import { PATIENT_SORT, selectPatientPage, type PatientListSearch } from './patient-list.js';
import { authorizePhiReadMany, recordPhiGrant, type PhiReadManyRequest } from './phi-read-many.js';
import type { PhiSealing } from './phi-sealing.js';
import type { PatientScope, UserDirectory } from './store.js';

export interface PatientRecord extends Patient {
  readonly access: { readonly basis: Exclude<PhiBasis, 'directory'>; readonly grantId?: string };
}

/** A PHI read the rule allowed, already audited. */
export interface PhiReadGrant {
  readonly orgId: string;
  readonly patientId: string;
  readonly basis: 'care-team' | 'break-glass';
  readonly grantId: string | null;
}

export interface PatientSummary {
  readonly id: string;
  readonly mrn: string;
  readonly displayName: string;
  readonly inCareTeam: boolean;
}

/** Upper bound of one patient list (and its audit events). */
export const MAX_PATIENT_LIST = 1000;
export const MAX_CARE_TEAM = 50;

export interface PatientServiceDeps {
  readonly uow: UnitOfWork<PatientScope>;
  readonly sealing: PhiSealing;
  readonly clock: Clock;
  readonly users: UserDirectory;
}

/** A refusal decided inside a transaction: the audit event commits, then the error is thrown. */
type Outcome<T> = { readonly ok: T } | { readonly refused: AppError };

async function settle<T>(promise: Promise<Outcome<T>>): Promise<T> {
  const outcome = await promise;
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ok;
}

const FIELD_LIST = PHI_FIELDS.join(',');
const SUMMARY_LIST = SUMMARY_FIELDS.join(',');

export class PatientService {
  constructor(private readonly deps: PatientServiceDeps) {}

  /** Registers a patient. Needs patients:write and current HIPAA training (handling PHI). */
  async create(ctx: RequestContext, input: Demographics): Promise<PatientRecord> {
    const user = actingUser(ctx);
    requirePermission(ctx, 'patients:write');
    checkDemographics(input, this.deps.clock.now());
    const demographics: Demographics = { ...input, givenName: input.givenName.trim(), familyName: input.familyName.trim(), mrn: input.mrn.trim() };
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<PatientRecord>> => {
        const now = this.deps.clock.now();
        const id = newId();
        const target = { type: 'patient', id };
        const training = await s.training.listForUser(user.orgId, user.id);
        if (!hasCurrentHipaaTraining(training, now)) {
          await s.audit.record(ctx, { action: 'patients.record.create', target, outcome: 'denied', reason: 'training-required', orgId: user.orgId, details: { fields: FIELD_LIST } });
          return { refused: new AppError('PATIENTS_TRAINING_REQUIRED') };
        }
        const mrnIndex = this.deps.sealing.mrnIndex(user.orgId, demographics.mrn);
        if ((await s.patients.findByMrnIndex(user.orgId, mrnIndex)) !== undefined) {
          await s.audit.record(ctx, { action: 'patients.record.create', target, outcome: 'failure', reason: 'mrn-taken', orgId: user.orgId, details: { mrnIndex } });
          return { refused: new AppError('PATIENTS_MRN_TAKEN') };
        }
        const at = now.toISOString();
        await s.patients.insert({
          id,
          orgId: user.orgId,
          mrnIndex,
          sealed: this.deps.sealing.sealDemographics(user.orgId, id, demographics),
          createdAt: at,
          createdBy: user.id,
          updatedAt: at,
        });
        await s.audit.record(ctx, {
          action: 'patients.record.create',
          target,
          outcome: 'success',
          reason: 'registration',
          orgId: user.orgId,
          details: { fields: FIELD_LIST, basis: 'registration', mrnIndex },
        });
        return { ok: { id, orgId: user.orgId, ...demographics, careTeam: [], access: { basis: 'registration' } } };
      }),
    );
  }

  /**
   * The patients the user may see: the organization's directory for those who manage care
   * teams, else the user's care-team patients and those of an active break-glass grant.
   * With `scope: 'all'`, anyone who reads patients gets the organization's directory (names and
   * MRNs, marked outside their care), so that a clinician can find a patient and ask for
   * break-glass. Names are PHI: the list needs current training, and each patient shown is audited.
   */
  async list(ctx: RequestContext, options: { readonly scope?: 'care' | 'all' } = {}): Promise<PatientSummary[]> {
    return (await this.#list(ctx, options, (all) => ({ items: all, nextCursor: null }))).items;
  }

  /** One page of the list: search by name or MRN, sort (patient-list.ts); only the page is disclosed and audited. */
  page(ctx: RequestContext, options: { readonly scope?: 'care' | 'all' | undefined } & PatientListSearch, input: ListPageInput): Promise<Paged<PatientSummary>> {
    const page = parseListPage(PATIENT_SORT, input);
    return this.#list(ctx, options.scope === undefined ? {} : { scope: options.scope }, (all) => selectPatientPage(all, options, page));
  }

  async #list(ctx: RequestContext, options: { readonly scope?: 'care' | 'all' }, select: (all: PatientSummary[]) => Paged<PatientSummary>): Promise<Paged<PatientSummary>> {
    const user = actingUser(ctx);
    requirePermission(ctx, 'patients:read');
    const directory = options.scope === 'all' || allows(ctx, 'patients:care-team', user.orgId);
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<Paged<PatientSummary>>> => {
        const now = this.deps.clock.now();
        const listTarget = { type: 'patient_list', id: user.orgId };
        if (!hasCurrentHipaaTraining(await s.training.listForUser(user.orgId, user.id), now)) {
          await s.audit.record(ctx, { action: 'patients.list.read', target: listTarget, outcome: 'denied', reason: 'training-required', orgId: user.orgId });
          return { refused: new AppError('PATIENTS_TRAINING_REQUIRED') };
        }
        const careIds = new Set(await s.careTeams.patientsOf(user.orgId, user.id));
        const grantIds = new Set(await s.breakGlass.activePatientsOf(user.orgId, user.id, now.toISOString()));
        const rows = directory
          ? await s.patients.list(user.orgId, { limit: MAX_PATIENT_LIST })
          : await s.patients.list(user.orgId, { ids: [...new Set([...careIds, ...grantIds])], limit: MAX_PATIENT_LIST });
        const opened: PatientSummary[] = rows.map((row) => {
          const d = this.deps.sealing.openFields(row.orgId, row.id, row.sealed, SUMMARY_FIELDS);
          return { id: row.id, mrn: d.mrn, displayName: displayName(d), inCareTeam: careIds.has(row.id) };
        });
        const selected = select(opened);
        const out = selected.items;
        for (const row of out) {
          const basis: PhiBasis = careIds.has(row.id) ? 'care-team' : grantIds.has(row.id) ? 'break-glass' : 'directory';
          await s.audit.record(ctx, {
            action: 'patients.record.list',
            target: { type: 'patient', id: row.id },
            outcome: 'success',
            reason: basis,
            orgId: user.orgId,
            details: { fields: SUMMARY_LIST, basis },
          });
        }
        await s.audit.record(ctx, {
          action: 'patients.list.read',
          target: listTarget,
          outcome: 'success',
          reason: directory ? 'directory' : 'care-team',
          orgId: user.orgId,
          details: { count: out.length },
        });
        return { ok: selected };
      }),
    );
  }

  /** Whether a patient exists in the organization (devices/ bindings check it; no PHI opened). */
  async exists(orgId: string, patientId: string): Promise<boolean> {
    if (!isId(patientId)) return false;
    return this.deps.uow.run(async (s) => (await s.patients.get(orgId, patientId)) !== undefined);
  }

  /** Opens one record under the PHI rule. */
  async get(ctx: RequestContext, patientId: string): Promise<PatientRecord> {
    const user = actingUser(ctx);
    requirePermission(ctx, 'patients:read');
    if (!isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<PatientRecord>> => {
        const now = this.deps.clock.now();
        const target = { type: 'patient', id: patientId };
        const deny = async (reason: string, code: ErrorCode): Promise<Outcome<PatientRecord>> => {
          await s.audit.record(ctx, { action: 'patients.record.read', target, outcome: 'denied', reason, orgId: user.orgId, details: { fields: FIELD_LIST } });
          return { refused: new AppError(code) };
        };
        const row = await s.patients.get(user.orgId, patientId);
        if (row === undefined || !allows(ctx, 'patients:read', row.orgId)) return deny('not-found', 'PATIENTS_NOT_FOUND');
        const careTeam = await s.careTeams.members(row.orgId, row.id);
        const decision = await this.#phiDecision(s, user, row.id, careTeam, now);
        if (!decision.allow) {
          return deny(decision.reason, decision.reason === 'training-required' ? 'PATIENTS_TRAINING_REQUIRED' : 'PATIENTS_CARE_RELATIONSHIP_REQUIRED');
        }
        const demographics = this.deps.sealing.openDemographics(row.orgId, row.id, row.sealed);
        const grantId = decision.basis === 'break-glass' ? decision.grantId : undefined;
        await recordRead(s.audit, ctx, row.orgId, row.id, decision.basis, grantId);
        return {
          ok: {
            id: row.id,
            orgId: row.orgId,
            ...demographics,
            careTeam,
            access: grantId === undefined ? { basis: decision.basis } : { basis: decision.basis, grantId },
          },
        };
      }),
    );
  }

  /**
   * The PHI rule for data about a patient held by another module (vitals, clinical alerts): the
   * caller names the permission, the audit action and the kinds of data read (never values). The
   * decision and its audit event commit together before the caller reads; any denial (other
   * organization, no care relationship, no training) is audited, then answered as `notFound` so
   * that a patient outside one's care is indistinguishable from no patient (404).
   */
  async authorizePhiRead(
    ctx: RequestContext,
    patientId: string,
    request: { readonly permission: Permission; readonly action: string; readonly fields: string; readonly notFound: ErrorCode; readonly details?: Readonly<Record<string, string | number | boolean | null>> },
  ): Promise<PhiReadGrant> {
    const user = actingUser(ctx);
    requirePermission(ctx, request.permission, undefined, request.notFound);
    if (!isId(patientId)) throw new AppError(request.notFound);
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<PhiReadGrant>> => {
        const now = this.deps.clock.now();
        const target = { type: 'patient', id: patientId };
        const deny = async (reason: string): Promise<Outcome<PhiReadGrant>> => {
          await s.audit.record(ctx, { action: request.action, target, outcome: 'denied', reason, orgId: user.orgId, details: { fields: request.fields, ...request.details } });
          return { refused: new AppError(request.notFound, { detail: `phi: ${reason}` }) };
        };
        const row = await s.patients.get(user.orgId, patientId);
        if (row === undefined || !allows(ctx, request.permission, row.orgId)) return deny('not-found');
        const careTeam = await s.careTeams.members(row.orgId, row.id);
        const decision = await this.#phiDecision(s, user, row.id, careTeam, now);
        if (!decision.allow) return deny(decision.reason);
        return { ok: await recordPhiGrant(s.audit, ctx, request, row, decision) };
      }),
    );
  }

  /**
   * authorizePhiRead for many patients in one transaction and a fixed number of queries (the ward
   * board): the same decision and audit event per patient; refused patients are left out.
   */
  authorizePhiReadMany(ctx: RequestContext, patientIds: readonly string[], request: PhiReadManyRequest): Promise<Map<string, PhiReadGrant>> {
    return authorizePhiReadMany({ uow: this.deps.uow, now: () => this.deps.clock.now() }, ctx, patientIds, request);
  }

  /**
   * Ids of the patients whose PHI the user may read now (trained care-team membership, or an
   * active break-glass grant): for lists and live streams filtered per patient. Not audited by
   * itself: the caller audits what it shows.
   */
  async readablePatientIds(ctx: RequestContext): Promise<{ orgId: string; careTeam: string[]; breakGlass: string[] }> {
    const user = actingUser(ctx);
    return this.deps.uow.run(async (s) => {
      const now = this.deps.clock.now();
      const trained = hasCurrentHipaaTraining(await s.training.listForUser(user.orgId, user.id), now);
      const careTeam = trained ? await s.careTeams.patientsOf(user.orgId, user.id) : [];
      const breakGlass = await s.breakGlass.activePatientsOf(user.orgId, user.id, now.toISOString());
      return { orgId: user.orgId, careTeam, breakGlass };
    });
  }

  /** Replaces a patient's care team. Members must be active users of the organization. */
  async updateCareTeam(ctx: RequestContext, patientId: string, members: readonly CareTeamMember[]): Promise<CareTeamMember[]> {
    const orgId = actingOrg(ctx);
    requirePermission(ctx, 'patients:care-team');
    if (!isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    checkCareTeam(members);
    // The user directory is another module's store: ask it before the transaction opens (on
    // SQLite a query outside the open transaction would wait for it). Members are users of the
    // caller's organization, the only one whose patients it can reach.
    for (const member of members) {
      if (!(await this.deps.users.isActiveUser(orgId, member.userId))) {
        throw new AppError('PATIENTS_CARE_TEAM_INVALID', { publicMessage: 'A care-team member is not an active user of this organization.' });
      }
    }
    return this.deps.uow.run(async (s) => {
      const row = await s.patients.get(orgId, patientId);
      if (row === undefined) throw new AppError('PATIENTS_NOT_FOUND');
      requirePermission(ctx, 'patients:care-team', row.orgId, 'PATIENTS_NOT_FOUND');
      const before = await s.careTeams.members(row.orgId, row.id);
      const now = this.deps.clock.now().toISOString();
      await s.careTeams.replace(row.orgId, row.id, members, now, ctx.principal.id);
      const beforeIds = new Set(before.map((m) => m.userId));
      const afterIds = new Set(members.map((m) => m.userId));
      await s.audit.record(ctx, {
        action: 'patients.care_team.update',
        target: { type: 'patient', id: row.id },
        outcome: 'success',
        orgId: row.orgId,
        details: {
          members: members.length,
          added: [...afterIds].filter((id) => !beforeIds.has(id)).length,
          removed: [...beforeIds].filter((id) => !afterIds.has(id)).length,
          primary: members.find((m) => m.role === 'primary')?.userId ?? null,
        },
      });
      return [...members];
    });
  }

  /**
   * What the PHI rule decides for `subject` on one patient, without reading the record and
   * without an audit event: for /api/v1/access/explain, which must run the same decision as the
   * real route (issue 11). The caller holds access:explain over the subject's organization.
   * Same steps as get() and authorizePhiRead(): the subject's organization, then
   * decidePhiAccess over training, care team and break-glass grants.
   */
  async explainPhiAccess(subject: Principal, patientId: string): Promise<{ readonly found: boolean; readonly allow: boolean; readonly reason: string }> {
    if (subject.kind !== 'user') return { found: true, allow: false, reason: 'phi-principal-required' };
    if (!isId(patientId)) return { found: false, allow: false, reason: 'not-found' };
    return this.deps.uow.run(async (s) => {
      const row = await s.patients.get(subject.orgId, patientId);
      if (row === undefined) return { found: false, allow: false, reason: 'not-found' };
      const careTeam = await s.careTeams.members(row.orgId, row.id);
      const decision = await this.#phiDecision(s, subject, row.id, careTeam, this.deps.clock.now());
      return decision.allow ? { found: true, allow: true, reason: `basis ${decision.basis}` } : { found: true, allow: false, reason: decision.reason };
    });
  }

  /** Whether the subject's HIPAA training is current (the patient list's rule), read-only. */
  async explainTraining(subject: Principal): Promise<boolean> {
    if (subject.kind !== 'user') return false;
    return this.deps.uow.run(async (s) => hasCurrentHipaaTraining(await s.training.listForUser(subject.orgId, subject.id), this.deps.clock.now()));
  }

  async #phiDecision(s: PatientScope, user: UserPrincipal, patientId: string, careTeam: readonly CareTeamMember[], now: Date): Promise<PhiDecision> {
    const [training, grants] = await Promise.all([
      s.training.listForUser(user.orgId, user.id),
      s.breakGlass.activeFor(user.orgId, patientId, user.id, now.toISOString()),
    ]);
    return decidePhiAccess({ now, userId: user.id, training, careTeam, grants });
  }
}

async function recordRead(audit: AuditWriter, ctx: RequestContext, orgId: string, patientId: string, basis: PhiBasis, grantId: string | undefined): Promise<void> {
  await audit.record(ctx, {
    action: 'patients.record.read',
    target: { type: 'patient', id: patientId },
    outcome: 'success',
    reason: basis,
    orgId,
    details: { fields: FIELD_LIST, basis, grantId: grantId ?? null },
  });
}

function checkDemographics(d: Demographics, now: Date): void {
  const bad = (what: string): never => {
    throw new AppError('PATIENTS_DEMOGRAPHICS_INVALID', { publicMessage: `The patient's ${what} is not valid.` });
  };
  if (!MRN_RE.test(d.mrn.trim())) bad('MRN');
  if (!isValidName(d.givenName)) bad('given name');
  if (!isValidName(d.familyName)) bad('family name');
  if (!isValidBirthDate(d.birthDate, now)) bad('birth date');
  if (!(SEXES as readonly string[]).includes(d.sex)) bad('sex');
}

function checkCareTeam(members: readonly CareTeamMember[]): void {
  const bad = (why: string): never => {
    throw new AppError('PATIENTS_CARE_TEAM_INVALID', { publicMessage: `The care team is not valid: ${why}.` });
  };
  if (members.length > MAX_CARE_TEAM) bad(`at most ${MAX_CARE_TEAM} members`);
  if (new Set(members.map((m) => m.userId)).size !== members.length) bad('a user is listed twice');
  if (members.filter((m) => m.role === 'primary').length > 1) bad('at most one primary member');
  for (const m of members) {
    if (!isId(m.userId)) bad('a user id is malformed');
    if (!(CARE_TEAM_ROLES as readonly string[]).includes(m.role)) bad('a role is unknown');
  }
}
