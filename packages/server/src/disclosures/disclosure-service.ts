/**
 * DisclosureService: record disclosures of PHI to outside parties, list them, produce the
 * accounting an individual may request (HIPAA §164.528), and record agency suspensions.
 *
 * MUST: the acting principal is a person (`user`) or the host operator (`cli`, `system`, with the
 *       organization named); services and devices are refused.
 * MUST: the route permission is checked again here, and a patient of another organization is
 *       PATIENTS_NOT_FOUND (404), before anything else is said about it.
 * MUST: a person needs current HIPAA training AND either a care relationship with the patient or
 *       `patients:disclosures` (the privacy function); the denial is audited, then refused.
 * MUST: every record, list, accounting, suspension and prune writes its audit event in the same
 *       transaction; the audit event carries ids, purposes and counts, never the recipient or
 *       the description (they may themselves be PHI).
 * MUST: the content (recipient, address, description, purpose statement) is sealed at rest, with
 *       a context bound to the organization and the disclosure id.
 */
import { decide, type Permission } from '../access/index.js';
import { AppError, isId, newId, type Clock, type ListPageInput, type Paged, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import { hasCurrentHipaaTraining } from '../patients/index.js';
import {
  buildAccounting,
  checkDisclosure,
  checkSuspension,
  retentionCutoff,
  sixYearsBefore,
  type Accounting,
  type Disclosure,
  type DisclosureContent,
  type DisclosureInput,
  type Suspension,
  type SuspensionInput,
} from './model.js';
import { disclosurePage, pageDisclosures, type DisclosureListFilter } from './disclosure-list.js';
import type { DisclosureRow, DisclosureScope } from './store.js';

export interface DisclosureServiceDeps {
  readonly uow: UnitOfWork<DisclosureScope>;
  readonly sealer: Sealer;
  readonly clock: Clock;
}

/** The organization a host principal (cli, system) acts in; a person acts in their own. */
export interface HostScope {
  readonly orgId?: string | undefined;
}

export const MAX_DISCLOSURES_READ = 10_000;

export class DisclosureService {
  constructor(private readonly deps: DisclosureServiceDeps) {}

  /** The sealing context of one disclosure's content (also used by KEK rotation). */
  static context(orgId: string, disclosureId: string): string {
    return `disclosures:content:v1:${orgId}:${disclosureId}`;
  }

  async record(ctx: RequestContext, patientId: string, input: DisclosureInput, host: HostScope = {}): Promise<Disclosure> {
    const now = this.deps.clock.now();
    const checked = checkDisclosure(input, now);
    if (!checked.ok) {
      throw checked.problem.kind === 'excluded'
        ? new AppError('DISCLOSURES_EXCLUDED', { publicMessage: checked.problem.message, detail: `${checked.problem.message} (exclusion ${checked.problem.exclusion})` })
        : new AppError('DISCLOSURES_INVALID', { publicMessage: `The disclosure is not valid: ${checked.problem.message}.` });
    }
    const { disclosedAt, purpose, ...content } = checked.value;
    return this.#guarded(ctx, 'disclosures:record', 'disclosures.record', patientId, host, async (s, orgId) => {
      const id = newId();
      const disclosure: Disclosure = { id, orgId, patientId, disclosedAt, purpose, ...content, recordedAt: now.toISOString(), recordedBy: actorId(ctx) };
      await s.disclosures.insert(this.#seal(disclosure));
      await s.audit.record(ctx, {
        action: 'disclosures.record',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        reason: purpose,
        orgId,
        details: { disclosureId: id, purpose, disclosedAt },
      });
      return disclosure;
    });
  }

  /** Every recorded disclosure of the patient in the six years before now (suspended ones too): the staff view. */
  async list(ctx: RequestContext, patientId: string, host: HostScope = {}): Promise<Disclosure[]> {
    const now = this.deps.clock.now();
    return this.#guarded(ctx, 'patients:disclosures', 'disclosures.list', patientId, host, async (s, orgId) => {
      const rows = await s.disclosures.listForPatient(orgId, patientId, { from: sixYearsBefore(now).toISOString(), to: now.toISOString() }, MAX_DISCLOSURES_READ);
      const list = rows.map((row) => this.#open(row));
      await s.audit.record(ctx, { action: 'disclosures.list', target: { type: 'patient', id: patientId }, outcome: 'success', orgId, details: { count: list.length } });
      return list;
    });
  }

  /**
   * One page of the patient's recorded disclosures (search, purpose, sort, cursor: docs/lists.md),
   * from the same six-year read as `list`. A bad sort or cursor is refused before anything is
   * read; the audit event counts the rows returned (the search text is not recorded: it may name
   * a recipient).
   */
  async listPage(ctx: RequestContext, patientId: string, filter: DisclosureListFilter, input: ListPageInput, host: HostScope = {}): Promise<Paged<Disclosure>> {
    const page = disclosurePage(input);
    const now = this.deps.clock.now();
    return this.#guarded(ctx, 'patients:disclosures', 'disclosures.list', patientId, host, async (s, orgId) => {
      const rows = await s.disclosures.listForPatient(orgId, patientId, { from: sixYearsBefore(now).toISOString(), to: now.toISOString() }, MAX_DISCLOSURES_READ);
      const paged = pageDisclosures(
        rows.map((row) => this.#open(row)),
        filter,
        page,
      );
      await s.audit.record(ctx, {
        action: 'disclosures.list',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        orgId,
        details: { count: paged.items.length, searched: filter.q !== undefined, purpose: filter.purpose ?? null, sort: `${page.direction === 'desc' ? '-' : ''}${page.sort}`, more: paged.nextCursor !== null },
      });
      return paged;
    });
  }

  /**
   * The accounting the individual receives (§164.528(b)-(c)): the six years before now, or a
   * shorter period the individual asked for (`from`), summarized (b)(3) unless `summarize` is false.
   */
  async accounting(ctx: RequestContext, patientId: string, query: { readonly from?: string | undefined; readonly summarize?: boolean | undefined } = {}, host: HostScope = {}): Promise<Accounting> {
    const now = this.deps.clock.now();
    const earliest = sixYearsBefore(now);
    let from = earliest;
    if (query.from !== undefined) {
      const asked = Date.parse(query.from);
      if (!Number.isFinite(asked) || asked > now.getTime()) throw new AppError('DISCLOSURES_INVALID', { publicMessage: 'The disclosure is not valid: from must be an ISO-8601 date before now.' });
      // §164.528(a)(1), (a)(3): an individual may ask for a period of up to six years.
      from = new Date(Math.max(asked, earliest.getTime()));
    }
    return this.#guarded(ctx, 'patients:disclosures', 'disclosures.accounting', patientId, host, async (s, orgId) => {
      const [rows, suspensions] = await Promise.all([
        s.disclosures.listForPatient(orgId, patientId, { from: from.toISOString(), to: now.toISOString() }, MAX_DISCLOSURES_READ),
        s.disclosures.suspensionsFor(orgId, patientId),
      ]);
      const accounting = buildAccounting({ patientId, now, from, to: now, disclosures: rows.map((row) => this.#open(row)), suspensions, summarize: query.summarize ?? true });
      await s.audit.record(ctx, {
        action: 'disclosures.accounting',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        orgId,
        details: { from: accounting.from, to: accounting.to, entries: accounting.entries.length, disclosures: accounting.totalDisclosures, suspendedHidden: rows.length - accounting.totalDisclosures },
      });
      return accounting;
    });
  }

  /** Records an agency's suspension (§164.528(a)(2)); it starts now. */
  async suspend(ctx: RequestContext, patientId: string, input: SuspensionInput, host: HostScope = {}): Promise<Suspension> {
    const now = this.deps.clock.now();
    const checked = checkSuspension(input, now);
    if (!checked.ok) throw new AppError('DISCLOSURES_INVALID', { publicMessage: `The suspension is not valid: ${checked.problem.message}.` });
    return this.#guarded(ctx, 'disclosures:suspend', 'disclosures.suspend', patientId, host, async (s, orgId) => {
      const suspension: Suspension = { id: newId(), orgId, patientId, ...checked.value, startsAt: now.toISOString(), recordedAt: now.toISOString(), recordedBy: actorId(ctx) };
      await s.disclosures.insertSuspension(suspension);
      await s.audit.record(ctx, {
        action: 'disclosures.suspend',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        reason: suspension.statementKind,
        orgId,
        details: { suspensionId: suspension.id, statementKind: suspension.statementKind, startsAt: suspension.startsAt, endsAt: suspension.endsAt },
      });
      return suspension;
    });
  }

  async suspensions(ctx: RequestContext, patientId: string, host: HostScope = {}): Promise<Suspension[]> {
    return this.#guarded(ctx, 'patients:disclosures', 'disclosures.suspensions.list', patientId, host, async (s, orgId) => {
      const list = await s.disclosures.suspensionsFor(orgId, patientId);
      await s.audit.record(ctx, { action: 'disclosures.suspensions.list', target: { type: 'patient', id: patientId }, outcome: 'success', orgId, details: { count: list.length } });
      return list;
    });
  }

  /** Retention (a scheduled job): deletes what is older than six years and a day, never younger. */
  async prune(ctx: RequestContext): Promise<{ readonly disclosures: number; readonly suspensions: number; readonly cutoff: string }> {
    if (ctx.principal.kind !== 'system' && ctx.principal.kind !== 'cli') throw new AppError('FORBIDDEN', { detail: 'disclosures: prune is a host job' });
    const cutoff = retentionCutoff(this.deps.clock.now()).toISOString();
    return this.deps.uow.run(async (s) => {
      const pruned = await s.disclosures.prune(cutoff);
      if (pruned.disclosures + pruned.suspensions > 0) {
        await s.audit.record(ctx, { action: 'disclosures.prune', target: { type: 'disclosures', id: 'retention' }, outcome: 'success', details: { cutoff, ...pruned } });
      }
      return { ...pruned, cutoff };
    });
  }

  /**
   * The common guard: who acts, in which organization, the route permission, the patient (404
   * across tenants), then the PHI rule for a person; a denial is audited after the fact.
   */
  async #guarded<T>(
    ctx: RequestContext,
    permission: Permission,
    action: string,
    patientId: string,
    host: HostScope,
    fn: (s: DisclosureScope, orgId: string) => Promise<T>,
  ): Promise<T> {
    const orgId = actingOrg(ctx, host);
    requireAllowed(ctx, permission);
    if (!isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    const outcome = await this.deps.uow.run(async (s): Promise<{ readonly value: T } | { readonly denied: 'PATIENTS_TRAINING_REQUIRED' | 'PATIENTS_CARE_RELATIONSHIP_REQUIRED' }> => {
      const patient = await s.patients.get(orgId, patientId);
      if (patient === undefined) throw new AppError('PATIENTS_NOT_FOUND');
      requireAllowed(ctx, permission, patient.orgId);
      const denial = await phiDenial(s, ctx, patient.orgId, patientId, this.deps.clock.now());
      if (denial !== undefined) {
        await s.audit.record(ctx, { action, target: { type: 'patient', id: patientId }, outcome: 'denied', reason: denial.reason, orgId: patient.orgId });
        return { denied: denial.code };
      }
      return { value: await fn(s, patient.orgId) };
    });
    if ('denied' in outcome) throw new AppError(outcome.denied);
    return outcome.value;
  }

  #seal(d: Disclosure): DisclosureRow {
    const content: DisclosureContent = { recipientName: d.recipientName, recipientAddress: d.recipientAddress, description: d.description, purposeStatement: d.purposeStatement };
    const contentSealed = this.deps.sealer.seal(new TextEncoder().encode(JSON.stringify(content)), DisclosureService.context(d.orgId, d.id));
    return { id: d.id, orgId: d.orgId, patientId: d.patientId, disclosedAt: d.disclosedAt, purpose: d.purpose, contentSealed, recordedAt: d.recordedAt, recordedBy: d.recordedBy };
  }

  #open(row: DisclosureRow): Disclosure {
    const opened = JSON.parse(new TextDecoder().decode(this.deps.sealer.open(row.contentSealed, DisclosureService.context(row.orgId, row.id)))) as DisclosureContent;
    return {
      id: row.id,
      orgId: row.orgId,
      patientId: row.patientId,
      disclosedAt: row.disclosedAt,
      purpose: row.purpose,
      recipientName: opened.recipientName,
      recipientAddress: opened.recipientAddress,
      description: opened.description,
      purposeStatement: opened.purposeStatement,
      recordedAt: row.recordedAt,
      recordedBy: row.recordedBy,
    };
  }
}

function actingOrg(ctx: RequestContext, host: HostScope): string {
  const p = ctx.principal;
  if (p.kind === 'user') return p.orgId;
  if (p.kind === 'cli' || p.kind === 'system') {
    if (host.orgId === undefined || !isId(host.orgId)) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The host operator must name the organization.' });
    return host.orgId;
  }
  throw new AppError('PATIENTS_PHI_PRINCIPAL_REQUIRED', { detail: `disclosures: principal kind ${p.kind}` });
}

function requireAllowed(ctx: RequestContext, permission: Permission, resourceOrgId?: string): void {
  const decision = decide(ctx.principal, permission, resourceOrgId === undefined ? undefined : { orgId: resourceOrgId });
  if (decision.allow) return;
  throw new AppError(decision.deny === 'not-found' ? 'PATIENTS_NOT_FOUND' : decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.rule}: ${decision.reason}` });
}

/**
 * The PHI rule for disclosures: current HIPAA training, and a care relationship or the privacy
 * function's permission. Host principals act with the data directory and pass.
 */
async function phiDenial(
  s: DisclosureScope,
  ctx: RequestContext,
  orgId: string,
  patientId: string,
  now: Date,
): Promise<{ readonly code: 'PATIENTS_TRAINING_REQUIRED' | 'PATIENTS_CARE_RELATIONSHIP_REQUIRED'; readonly reason: string } | undefined> {
  const p = ctx.principal;
  if (p.kind !== 'user') return undefined;
  if (!hasCurrentHipaaTraining(await s.training.listForUser(orgId, p.id), now)) return { code: 'PATIENTS_TRAINING_REQUIRED', reason: 'training-required' };
  if (decide(p, 'patients:disclosures', { orgId }).allow) return undefined;
  const team = await s.careTeams.members(orgId, patientId);
  if (team.some((m) => m.userId === p.id)) return undefined;
  return { code: 'PATIENTS_CARE_RELATIONSHIP_REQUIRED', reason: 'care-relationship-required' };
}

function actorId(ctx: RequestContext): string {
  return ctx.principal.kind === 'user' ? ctx.principal.id : `${ctx.principal.kind}:${ctx.principal.id}`;
}
