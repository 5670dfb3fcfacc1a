/**
 * ChangeService: change requests with two-person approval for security-relevant changes, and
 * emergency changes reviewed afterwards (model.ts has the rules).
 *
 * MUST: requester and approver are different people, and each passes a step-up second factor
 *       (identity's verifyStepUp) in the request that requests or approves; otherwise refused.
 * MUST: a change takes effect only through its applier, under the request id `change-<id>`, so
 *       the privileged-role gate lets exactly that application through and the audit log links it.
 * MUST: every transition writes its audit event in the same transaction; an emergency change is
 *       applied at once and its review is due 72 h later (the CHG-EMERGENCY-UNREVIEWED check).
 * MUST: people see their own organization's changes and platform-wide ones; another
 *       organization's change is 404.
 * MUST: requester, approver, rejecter and reviewer also hold the owning module's permission for
 *       the kind (appliers.ts CHANGE_KIND_POLICIES), and the owning module validates the request.
 */
import { decide, type Permission } from '../../access/index.js';
import { AppError, isRole, newId, principalOrg, type Clock, type Principal, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import { applyRequestId, EMERGENCY_REVIEW_HOURS, payloadRoles, type ChangeKind, type ChangeRequest, type ChangeStatus, type PayloadValue } from './model.js';
import type { ChangeApplierRegistry } from './appliers.js';
import type { ChangeRequestStore, ChangeScope } from './store.js';

export interface ChangeServiceDeps {
  readonly uow: UnitOfWork<ChangeScope>;
  readonly reader: ChangeRequestStore;
  readonly clock: Clock;
  /** identity.verifyStepUp: throws unless the caller's second factor code is right. */
  readonly stepUp: (ctx: RequestContext, code: string) => Promise<void>;
  /** Kinds with an applier take effect on approval; the others stay approved records (appliers.ts). */
  readonly appliers: ChangeApplierRegistry;
}

export interface ChangeInput {
  readonly kind: ChangeKind;
  readonly target: string;
  readonly payload: Readonly<Record<string, PayloadValue>>;
  readonly summary: string;
  readonly emergency?: boolean | undefined;
  readonly stepUpCode?: string | undefined;
}

export class ChangeService {
  constructor(private readonly deps: ChangeServiceDeps) {}

  async request(ctx: RequestContext, input: ChangeInput): Promise<ChangeRequest> {
    const orgId = this.#person(ctx, 'changes:request');
    validate(input);
    const policy = this.deps.appliers.policy(input.kind);
    this.#require(ctx, policy.request);
    this.deps.appliers.validate(input.kind, input);
    await this.#stepUp(ctx, input.stepUpCode);
    const now = this.deps.clock.now();
    const emergency = input.emergency === true;
    const change: ChangeRequest = {
      id: newId(),
      orgId: policy.scope === 'organization' ? orgId : null,
      kind: input.kind,
      target: input.target,
      payload: input.payload,
      summary: input.summary.trim(),
      status: emergency ? 'approved' : 'pending',
      emergency,
      requestedBy: personOf(ctx),
      requestedAt: now.toISOString(),
      decidedBy: null,
      decidedAt: emergency ? now.toISOString() : null,
      decisionNote: emergency ? 'emergency change: applied at once, review due' : null,
      appliedAt: null,
      reviewDueAt: emergency ? new Date(now.getTime() + EMERGENCY_REVIEW_HOURS * 3_600_000).toISOString() : null,
      reviewedBy: null,
      reviewedAt: null,
      audit: { seqs: [], requestIds: [] },
    };
    const stored = await this.deps.uow.run(async (s) => {
      const record = await s.audit.record(ctx, {
        action: 'compliance.change.request',
        target: { type: 'change-request', id: change.id },
        outcome: 'success',
        ...(change.orgId !== null ? { orgId: change.orgId } : {}),
        ...(emergency ? { reason: 'emergency' } : {}),
        details: { kind: change.kind, target: change.target },
      });
      const withSeq = { ...change, audit: { seqs: [record.seq], requestIds: [ctx.requestId] } };
      await s.changes.insert(withSeq);
      return withSeq;
    });
    return emergency ? this.#apply(ctx, stored) : stored;
  }

  async approve(ctx: RequestContext, id: string, input: { stepUpCode?: string | undefined; note?: string | undefined }): Promise<ChangeRequest> {
    const orgId = this.#person(ctx, 'changes:approve');
    const change = visible(await this.deps.reader.find(id), orgId);
    if (change.requestedBy === personOf(ctx)) throw new AppError('COMPLIANCE_CHANGE_SELF_APPROVAL');
    if (change.status !== 'pending') throw new AppError('COMPLIANCE_CHANGE_STATE', { detail: `compliance: change ${id} is ${change.status}` });
    this.#require(ctx, this.deps.appliers.policy(change.kind).approve);
    await this.#stepUp(ctx, input.stepUpCode);
    const at = this.deps.clock.now().toISOString();
    const approved = await this.deps.uow.run(async (s) => {
      const current = visible(await s.changes.find(id), orgId);
      if (current.status !== 'pending') throw new AppError('COMPLIANCE_CHANGE_STATE');
      const record = await s.audit.record(ctx, { action: 'compliance.change.approve', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}), details: { kind: current.kind } });
      const next: ChangeRequest = { ...current, status: 'approved', decidedBy: personOf(ctx), decidedAt: at, decisionNote: input.note?.trim() ?? null, audit: link(current, record.seq, ctx.requestId) };
      await s.changes.update(next);
      return next;
    });
    return this.#apply(ctx, approved);
  }

  async reject(ctx: RequestContext, id: string, note: string): Promise<ChangeRequest> {
    const orgId = this.#person(ctx, 'changes:approve');
    const change = visible(await this.deps.reader.find(id), orgId);
    this.#require(ctx, this.deps.appliers.policy(change.kind).approve);
    return this.deps.uow.run(async (s) => {
      const current = visible(await s.changes.find(id), orgId);
      if (current.status !== 'pending') throw new AppError('COMPLIANCE_CHANGE_STATE', { detail: `compliance: change ${id} is ${current.status}` });
      const record = await s.audit.record(ctx, { action: 'compliance.change.reject', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}) });
      const next: ChangeRequest = { ...current, status: 'rejected', decidedBy: personOf(ctx), decidedAt: this.deps.clock.now().toISOString(), decisionNote: note.trim(), audit: link(current, record.seq, ctx.requestId) };
      await s.changes.update(next);
      return next;
    });
  }

  /** The after-the-fact review of an emergency change, by a second person who passes MFA again. */
  async review(ctx: RequestContext, id: string, input: { stepUpCode?: string | undefined; note?: string | undefined }): Promise<ChangeRequest> {
    const orgId = this.#person(ctx, 'changes:approve');
    const change = visible(await this.deps.reader.find(id), orgId);
    if (!change.emergency || change.reviewedAt !== null) throw new AppError('COMPLIANCE_CHANGE_STATE', { detail: `compliance: change ${id} needs no review` });
    if (change.requestedBy === personOf(ctx)) throw new AppError('COMPLIANCE_CHANGE_SELF_APPROVAL');
    this.#require(ctx, this.deps.appliers.policy(change.kind).approve);
    await this.#stepUp(ctx, input.stepUpCode);
    return this.deps.uow.run(async (s) => {
      const current = visible(await s.changes.find(id), orgId);
      const record = await s.audit.record(ctx, { action: 'compliance.change.review', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}) });
      const next: ChangeRequest = { ...current, reviewedBy: personOf(ctx), reviewedAt: this.deps.clock.now().toISOString(), decisionNote: input.note?.trim() ?? current.decisionNote, audit: link(current, record.seq, ctx.requestId) };
      await s.changes.update(next);
      return next;
    });
  }

  async list(ctx: RequestContext, query: { status?: ChangeStatus | undefined; before?: string | undefined; limit?: number | undefined } = {}): Promise<ChangeRequest[]> {
    const orgId = this.#scope(ctx, 'changes:read');
    const before = query.before === undefined ? undefined : new Date(query.before).toISOString();
    return this.deps.reader.list({ orgId, status: query.status, appliedBefore: before, limit: Math.min(Math.max(query.limit ?? 100, 1), 1000) });
  }

  async get(ctx: RequestContext, id: string): Promise<ChangeRequest> {
    return visible(await this.deps.reader.find(id), this.#scope(ctx, 'changes:read'));
  }

  /**
   * A change request opened by the module that owns the change, for a use case that runs its own
   * two-person approval (a firmware rollout: requested with an MFA session, approved with a fresh
   * step-up code by the updates service). Pending until linkedApprove; never reached over HTTP.
   * The requester holds the kind's request permission; `requestedBy` names an earlier requester.
   */
  async openLinked(ctx: RequestContext, input: { kind: ChangeKind; orgId: string | null; target: string; payload: Readonly<Record<string, PayloadValue>>; summary: string; requestedBy?: string }): Promise<ChangeRequest> {
    const policy = this.deps.appliers.policy(input.kind);
    if (input.requestedBy === undefined) this.#require(ctx, policy.request);
    validate(input);
    this.deps.appliers.validate(input.kind, input);
    const change: ChangeRequest = {
      id: newId(),
      orgId: policy.scope === 'organization' ? input.orgId : null,
      kind: input.kind,
      target: input.target,
      payload: input.payload,
      summary: input.summary.trim(),
      status: 'pending',
      emergency: false,
      requestedBy: input.requestedBy ?? personOf(ctx),
      requestedAt: this.deps.clock.now().toISOString(),
      decidedBy: null,
      decidedAt: null,
      decisionNote: null,
      appliedAt: null,
      reviewDueAt: null,
      reviewedBy: null,
      reviewedAt: null,
      audit: { seqs: [], requestIds: [] },
    };
    return this.deps.uow.run(async (s) => {
      const record = await s.audit.record(ctx, { action: 'compliance.change.request', target: { type: 'change-request', id: change.id }, outcome: 'success', ...(change.orgId !== null ? { orgId: change.orgId } : {}), details: { kind: change.kind, target: change.target, linked: true } });
      const withSeq = { ...change, audit: { seqs: [record.seq], requestIds: [ctx.requestId] } };
      await s.changes.insert(withSeq);
      return withSeq;
    });
  }

  /** The pending change of this kind and target (opened by openLinked or requested by a person), if any. */
  async pendingFor(kind: ChangeKind, target: string, orgId: string | null): Promise<ChangeRequest | undefined> {
    const pending = await this.deps.reader.list({ orgId, status: 'pending', limit: 1000 });
    return pending.find((c) => c.kind === kind && c.target === target && c.orgId === orgId);
  }

  /**
   * The approval of a linked change by the owning module, which has already checked the approver
   * (a second person with MFA who passed its step-up code: one code is spent once). Still refused
   * to the requester and to anyone without the kind's approve permission; then applied.
   */
  async linkedApprove(ctx: RequestContext, id: string, note?: string): Promise<ChangeRequest> {
    const change = await this.deps.reader.find(id);
    if (change === undefined) throw new AppError('COMPLIANCE_CHANGE_NOT_FOUND');
    if (change.requestedBy === personOf(ctx)) throw new AppError('COMPLIANCE_CHANGE_SELF_APPROVAL');
    this.#require(ctx, this.deps.appliers.policy(change.kind).approve);
    const approved = await this.deps.uow.run(async (s) => {
      const current = await s.changes.find(id);
      if (current?.status !== 'pending') throw new AppError('COMPLIANCE_CHANGE_STATE', { detail: `compliance: change ${id} is ${current?.status ?? 'gone'}` });
      const record = await s.audit.record(ctx, { action: 'compliance.change.approve', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}), details: { kind: current.kind, linked: true } });
      const next: ChangeRequest = { ...current, status: 'approved', decidedBy: personOf(ctx), decidedAt: this.deps.clock.now().toISOString(), decisionNote: note?.trim() ?? null, audit: link(current, record.seq, ctx.requestId) };
      await s.changes.update(next);
      return next;
    });
    return this.#apply(ctx, approved);
  }

  /** Closes a pending linked change whose subject went away (a campaign aborted before approval). */
  async linkedWithdraw(ctx: RequestContext, id: string, note: string): Promise<void> {
    await this.deps.uow.run(async (s) => {
      const current = await s.changes.find(id);
      if (current?.status !== 'pending') return;
      const record = await s.audit.record(ctx, { action: 'compliance.change.reject', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}), details: { kind: current.kind, linked: true } });
      await s.changes.update({ ...current, status: 'rejected', decidedBy: personOf(ctx), decidedAt: this.deps.clock.now().toISOString(), decisionNote: note, audit: link(current, record.seq, ctx.requestId) });
    });
  }

  /**
   * For /access/explain: whether `subject` may approve change `id` beyond changes:approve (the
   * owning module's permission for its kind), without changing anything.
   */
  async explainApproval(subject: Principal, id: string): Promise<{ readonly found: boolean; readonly allow: boolean; readonly reason: string }> {
    const change = await this.deps.reader.find(id);
    const orgId = principalOrg(subject);
    if (!change || (orgId !== null && change.orgId !== null && change.orgId !== orgId)) return { found: false, allow: false, reason: 'no such change request' };
    const needed = this.deps.appliers.policy(change.kind).approve;
    const decision = decide(subject, needed);
    return { found: true, allow: decision.allow, reason: decision.allow ? `${change.kind} approvals need ${needed}: held` : `${change.kind} approvals also need ${needed}: ${decision.reason}` };
  }

  /**
   * identity's PrivilegedRoleGate: a privileged role change passes only as the application of an
   * approved role-grant change for this user and exactly these roles.
   */
  async privilegedRoleGate(ctx: RequestContext, change: { orgId: string; userId: string; to: readonly string[] }): Promise<void> {
    const wanted = [...change.to].sort().join(',');
    await this.requireApproved(ctx, 'role-grant', change.userId, { orgId: change.orgId, matches: (c) => payloadRoles(c).join(',') === wanted });
  }

  /**
   * The gate of the modules that own a setting (keys, identity, config, detectors, updates): the
   * call passes only as the application of an approved, not yet applied change of this kind and
   * target, i.e. under its request id `change-<id>`. Anything else is COMPLIANCE_CHANGE_REQUIRED.
   */
  async requireApproved(ctx: RequestContext, kind: ChangeKind, target: string, options: { orgId?: string | null; matches?: (c: ChangeRequest) => boolean } = {}): Promise<ChangeRequest> {
    const approved = await this.deps.reader.approvedChanges(kind, target, options.orgId ?? null);
    const found = approved.find((c) => applyRequestId(c.id) === ctx.requestId && (options.matches?.(c) ?? true));
    if (!found) throw new AppError('COMPLIANCE_CHANGE_REQUIRED', { detail: `compliance: ${kind} of ${target} needs an approved change request (POST /api/v1/changes, approved by a second person)` });
    return found;
  }

  /**
   * Applies again an approved change whose application failed (or that was approved before its
   * applier was registered), e.g. `vigil keys rotate kek --change ID` on the host after the server
   * was stopped. The change must be of `expected.kind` and `expected.target`.
   */
  async retry(ctx: RequestContext, id: string, expected: { kind: ChangeKind; target: string }): Promise<ChangeRequest> {
    const orgId = this.#scope(ctx, 'changes:approve');
    const change = visible(await this.deps.reader.find(id), orgId);
    if (change.kind !== expected.kind || change.target !== expected.target) throw new AppError('COMPLIANCE_CHANGE_REQUIRED', { detail: `compliance: change ${id} is ${change.kind} of ${change.target}, not ${expected.kind} of ${expected.target}` });
    if (change.status !== 'failed' && change.status !== 'approved') throw new AppError('COMPLIANCE_CHANGE_STATE', { detail: `compliance: change ${id} is ${change.status}; only an approved change can be applied` });
    this.#require(ctx, this.deps.appliers.policy(change.kind).approve);
    const again = await this.deps.uow.run(async (s) => {
      const current = visible(await s.changes.find(id), orgId);
      const record = await s.audit.record(ctx, { action: 'compliance.change.retry', target: { type: 'change-request', id }, outcome: 'success', ...(current.orgId !== null ? { orgId: current.orgId } : {}), details: { kind: current.kind } });
      const next: ChangeRequest = { ...current, status: 'approved', audit: link(current, record.seq, ctx.requestId) };
      await s.changes.update(next);
      return next;
    });
    return this.#apply(ctx, again);
  }

  async #apply(ctx: RequestContext, change: ChangeRequest): Promise<ChangeRequest> {
    const applier = this.deps.appliers.applier(change.kind);
    if (!applier) return change;
    const applyCtx: RequestContext = { ...ctx, requestId: applyRequestId(change.id) };
    let failure: unknown;
    try {
      await applier(applyCtx, change);
    } catch (error) {
      failure = error;
    }
    const next = await this.deps.uow.run(async (s) => {
      const current = (await s.changes.find(change.id)) ?? change;
      const record = await s.audit.record(applyCtx, {
        action: 'compliance.change.apply',
        target: { type: 'change-request', id: change.id },
        outcome: failure === undefined ? 'success' : 'failure',
        ...(current.orgId !== null ? { orgId: current.orgId } : {}),
        ...(failure !== undefined ? { reason: failure instanceof AppError ? failure.code.toLowerCase() : 'applier-failed' } : {}),
        details: { kind: current.kind },
      });
      const updated: ChangeRequest = {
        ...current,
        status: failure === undefined ? 'applied' : 'failed',
        appliedAt: failure === undefined ? this.deps.clock.now().toISOString() : null,
        audit: link(current, record.seq, applyCtx.requestId),
      };
      await s.changes.update(updated);
      return updated;
    });
    if (failure !== undefined) throw failure;
    return next;
  }

  async #stepUp(ctx: RequestContext, code: string | undefined): Promise<void> {
    if (code === undefined || code === '') throw new AppError('COMPLIANCE_STEP_UP_REQUIRED');
    await this.deps.stepUp(ctx, code);
  }

  /** Requests and approvals are made by people (a session that passed MFA), never by the host or a token. */
  #person(ctx: RequestContext, permission: 'changes:request' | 'changes:approve'): string {
    this.#scope(ctx, permission);
    const p = ctx.principal;
    if (p.kind !== 'user') throw new AppError('FORBIDDEN', { detail: 'compliance: change requests are requested and approved by people signed in with MFA' });
    if (!p.mfa) throw new AppError('COMPLIANCE_STEP_UP_REQUIRED', { detail: 'compliance: sign in with a second factor first' });
    return p.orgId;
  }

  /** The owning module's permission for this kind (a role grant needs users:manage, a KEK rotation keys:rotate). */
  #require(ctx: RequestContext, permission: Permission): void {
    const decision = decide(ctx.principal, permission);
    if (!decision.allow) throw new AppError('FORBIDDEN', { detail: `access: ${decision.reason}` });
  }

  #scope(ctx: RequestContext, permission: 'changes:read' | 'changes:request' | 'changes:approve'): string | null {
    const decision = decide(ctx.principal, permission);
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    return principalOrg(ctx.principal);
  }
}

function personOf(ctx: RequestContext): string {
  return `${ctx.principal.kind}:${ctx.principal.id}`;
}

function link(c: ChangeRequest, seq: number, requestId: string): ChangeRequest['audit'] {
  return { seqs: [...new Set([...c.audit.seqs, seq])], requestIds: [...new Set([...c.audit.requestIds, requestId])] };
}

function visible(c: ChangeRequest | undefined, orgId: string | null): ChangeRequest {
  if (!c || (orgId !== null && c.orgId !== null && c.orgId !== orgId)) throw new AppError('COMPLIANCE_CHANGE_NOT_FOUND');
  return c;
}

function validate(input: ChangeInput): void {
  const bad = (detail: string): never => {
    throw new AppError('COMPLIANCE_CHANGE_INVALID', { detail: `compliance: ${detail}` });
  };
  if (input.summary.trim().length < 5) bad('a change request needs a summary (at least 5 characters)');
  if (input.target.trim() === '') bad('a change request needs a target');
  if (input.kind === 'role-grant') {
    const roles = input.payload['roles'];
    if (!Array.isArray(roles) || !(roles as readonly string[]).every((r) => typeof r === 'string' && isRole(r))) bad('a role-grant change needs payload.roles, a list of roles');
  }
}
