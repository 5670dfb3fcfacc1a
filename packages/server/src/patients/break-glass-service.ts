/**
 * Break-glass: emergency access to one patient (HIPAA §164.312(a)(2)(ii), emergency access
 * procedure). The user states a reason and gets a time-boxed grant; the security officer is
 * alerted at once and reviews every grant afterwards.
 *
 * MUST: a grant names one patient and one user, and lasts `grantMinutes` (60 by default) by the
 *       Clock; it is never extended (ask again, which alerts again).
 * MUST: the grant, its high-severity security_events row and its audit event commit together in
 *       one transaction; the SecurityEvent is emitted through the sink right after the commit.
 * MUST: the reason (free text that may name the patient) is stored sealed; audit and security
 *       events carry only its keyed hash and length.
 * MUST: a grant is reviewed once, by a security officer who is not the grant's user; the review
 *       is audited, and an 'unjustified' outcome raises another security event.
 */
import { AppError, isId, newId, type Clock, type RequestContext, type SecurityEventSink, type UnitOfWork } from '../kernel/index.js';
import { actingOrg, actingUser, requirePermission } from './acting-principal.js';
import { isValidBreakGlassReason, type ReviewOutcome } from './model.js';
import type { PhiSealing } from './phi-sealing.js';
import type { BreakGlassGrantRow, PatientScope, StoredSecurityEvent } from './store.js';

export interface BreakGlassGrantView {
  readonly id: string;
  readonly patientId: string;
  readonly userId: string;
  readonly reason: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  readonly status: 'pending' | 'reviewed';
  readonly review: { readonly outcome: ReviewOutcome; readonly note: string; readonly reviewedBy: string; readonly reviewedAt: string } | null;
}

export interface BreakGlassServiceDeps {
  readonly uow: UnitOfWork<PatientScope>;
  readonly sealing: PhiSealing;
  readonly clock: Clock;
  readonly securityEvents: SecurityEventSink;
  /** Lifetime of a grant; config patients.breakGlassMinutes. */
  readonly grantMinutes: number;
}

export const BREAK_GLASS_EVENT = 'patients.break_glass';
export const BREAK_GLASS_UNJUSTIFIED_EVENT = 'patients.break_glass_unjustified';
export const MAX_REVIEW_NOTE = 1000;
export const MAX_GRANT_LIST = 200;

export class BreakGlassService {
  constructor(private readonly deps: BreakGlassServiceDeps) {}

  async grant(ctx: RequestContext, patientId: string, reason: string): Promise<BreakGlassGrantView> {
    const user = actingUser(ctx);
    requirePermission(ctx, 'patients:break-glass');
    if (!isValidBreakGlassReason(reason)) throw new AppError('PATIENTS_BREAK_GLASS_REASON_INVALID');
    if (!isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    const statedReason = reason.trim();
    const { view, event } = await this.deps.uow.run(async (s) => {
      const patient = await s.patients.get(user.orgId, patientId);
      if (patient === undefined) throw new AppError('PATIENTS_NOT_FOUND');
      requirePermission(ctx, 'patients:break-glass', patient.orgId, 'PATIENTS_NOT_FOUND');
      const now = this.deps.clock.now();
      const id = newId();
      const grantedAt = now.toISOString();
      const expiresAt = new Date(now.getTime() + this.deps.grantMinutes * 60_000).toISOString();
      const reasonHash = this.deps.sealing.reasonHash(patient.orgId, id, statedReason);
      await s.breakGlass.insert({
        id,
        orgId: patient.orgId,
        patientId: patient.id,
        userId: user.id,
        reasonSealed: this.deps.sealing.sealGrantText('reason', patient.orgId, id, statedReason),
        reasonHash,
        grantedAt,
        expiresAt,
        reviewOutcome: null,
        reviewNoteSealed: null,
        reviewedBy: null,
        reviewedAt: null,
      });
      const event: StoredSecurityEvent = {
        id: newId(),
        time: grantedAt,
        type: BREAK_GLASS_EVENT,
        severity: 'high',
        reason: 'emergency-access',
        orgId: patient.orgId,
        userId: user.id,
        patientId: patient.id,
        source: ctx.source,
        requestId: ctx.requestId,
        details: { grantId: id, expiresAt, minutes: this.deps.grantMinutes },
      };
      await s.securityEvents.insert(event);
      await s.audit.record(ctx, {
        action: 'patients.break_glass.grant',
        target: { type: 'break_glass_grant', id },
        outcome: 'success',
        reason: 'emergency-access',
        orgId: patient.orgId,
        details: { patientId: patient.id, expiresAt, reasonHash, reasonLength: [...statedReason].length, securityEventId: event.id },
      });
      const view: BreakGlassGrantView = { id, patientId: patient.id, userId: user.id, reason: statedReason, grantedAt, expiresAt, status: 'pending', review: null };
      return { view, event };
    });
    this.#emit(event);
    return view;
  }

  /** The review queue (pending) or the reviewed grants of the organization, newest first. */
  async list(ctx: RequestContext, status: 'pending' | 'reviewed'): Promise<BreakGlassGrantView[]> {
    const orgId = actingOrg(ctx);
    requirePermission(ctx, 'break-glass:review');
    return this.deps.uow.run(async (s) => {
      const rows = await s.breakGlass.list(orgId, status, MAX_GRANT_LIST);
      const views = rows.map((row) => this.#view(row));
      // The stated reasons may name patients: opening them is a read worth recording.
      await s.audit.record(ctx, {
        action: 'patients.break_glass.list',
        target: { type: 'break_glass_queue', id: orgId },
        outcome: 'success',
        reason: status,
        orgId,
        details: { status, count: views.length },
      });
      return views;
    });
  }

  async review(ctx: RequestContext, grantId: string, outcome: ReviewOutcome, note: string): Promise<BreakGlassGrantView> {
    const orgId = actingOrg(ctx);
    requirePermission(ctx, 'break-glass:review');
    if (!isId(grantId)) throw new AppError('PATIENTS_BREAK_GLASS_NOT_FOUND');
    const trimmed = note.trim();
    if ([...trimmed].length < 1 || [...trimmed].length > MAX_REVIEW_NOTE) {
      throw new AppError('VALIDATION_FAILED', { publicMessage: `A review note of 1 to ${MAX_REVIEW_NOTE} characters is required.` });
    }
    const { view, event } = await this.deps.uow.run(async (s) => {
      const row = await s.breakGlass.get(orgId, grantId);
      if (row === undefined) throw new AppError('PATIENTS_BREAK_GLASS_NOT_FOUND');
      requirePermission(ctx, 'break-glass:review', row.orgId, 'PATIENTS_BREAK_GLASS_NOT_FOUND');
      if (row.userId === ctx.principal.id) throw new AppError('PATIENTS_BREAK_GLASS_SELF_REVIEW');
      if (row.reviewOutcome !== null) throw new AppError('PATIENTS_BREAK_GLASS_ALREADY_REVIEWED');
      const reviewedAt = this.deps.clock.now().toISOString();
      const review = { outcome, noteSealed: this.deps.sealing.sealGrantText('review_note', row.orgId, row.id, trimmed), reviewedBy: ctx.principal.id, reviewedAt };
      if (!(await s.breakGlass.review(row.orgId, row.id, review))) throw new AppError('PATIENTS_BREAK_GLASS_ALREADY_REVIEWED');
      let event: StoredSecurityEvent | undefined;
      if (outcome === 'unjustified') {
        event = {
          id: newId(),
          time: reviewedAt,
          type: BREAK_GLASS_UNJUSTIFIED_EVENT,
          severity: 'high',
          reason: 'unjustified-emergency-access',
          orgId: row.orgId,
          userId: row.userId,
          patientId: row.patientId,
          source: ctx.source,
          requestId: ctx.requestId,
          details: { grantId: row.id, reviewedBy: ctx.principal.id },
        };
        await s.securityEvents.insert(event);
      }
      await s.audit.record(ctx, {
        action: 'patients.break_glass.review',
        target: { type: 'break_glass_grant', id: row.id },
        outcome: 'success',
        reason: outcome,
        orgId: row.orgId,
        details: { patientId: row.patientId, grantUserId: row.userId, outcome, noteLength: [...trimmed].length },
      });
      const view = this.#view({ ...row, reviewOutcome: outcome, reviewNoteSealed: review.noteSealed, reviewedBy: review.reviewedBy, reviewedAt });
      return { view, event };
    });
    if (event !== undefined) this.#emit(event);
    return view;
  }

  #view(row: BreakGlassGrantRow): BreakGlassGrantView {
    const { sealing } = this.deps;
    const reviewed = row.reviewOutcome !== null && row.reviewNoteSealed !== null && row.reviewedBy !== null && row.reviewedAt !== null;
    return {
      id: row.id,
      patientId: row.patientId,
      userId: row.userId,
      reason: sealing.openGrantText('reason', row.orgId, row.id, row.reasonSealed),
      grantedAt: row.grantedAt,
      expiresAt: row.expiresAt,
      status: reviewed ? 'reviewed' : 'pending',
      review: reviewed
        ? {
            outcome: row.reviewOutcome,
            note: sealing.openGrantText('review_note', row.orgId, row.id, row.reviewNoteSealed),
            reviewedBy: row.reviewedBy,
            reviewedAt: row.reviewedAt,
          }
        : null,
    };
  }

  /** The kernel rule: emitting never throws into the caller's path. */
  #emit(event: StoredSecurityEvent): void {
    try {
      this.deps.securityEvents.emit(event);
    } catch {
      // The durable row is already committed; a failing live sink loses only the live alert.
    }
  }
}
