/**
 * Training attestations (HIPAA §164.308(a)(5), security awareness and training): which course a
 * user completed, when, and until when it counts. The PHI rule reads them (model.ts).
 *
 * MUST: a record names an active user of the recorder's organization (UserDirectory), a known
 *       course code (TRAINING_COURSES), completedAt not in the future, and an expiry after it
 *       and at most MAX_TRAINING_VALIDITY_DAYS later.
 * MUST: records are append-only; recording one is audited in its transaction.
 * MUST: another organization's user is PATIENTS_USER_NOT_FOUND (404).
 */
import { AppError, isId, newId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { actingOrg, requirePermission } from './acting-principal.js';
import { isTrainingCourse, MAX_TRAINING_VALIDITY_DAYS, type TrainingRecord } from './model.js';
import type { PatientScope, UserDirectory } from './store.js';

export interface TrainingInput {
  readonly course: string;
  readonly completedAt: string;
  readonly expiresAt: string;
}

export interface TrainingServiceDeps {
  readonly uow: UnitOfWork<PatientScope>;
  readonly clock: Clock;
  readonly users: UserDirectory;
}

const DAY_MS = 86_400_000;

export class TrainingService {
  constructor(private readonly deps: TrainingServiceDeps) {}

  async list(ctx: RequestContext, userId: string): Promise<TrainingRecord[]> {
    const orgId = actingOrg(ctx);
    requirePermission(ctx, 'training:read');
    if (!isId(userId)) throw new AppError('PATIENTS_USER_NOT_FOUND');
    const records = await this.deps.uow.run((s) => s.training.listForUser(orgId, userId));
    // A disabled user's history stays readable; an unknown (or foreign) user with none is 404.
    if (records.length === 0 && !(await this.deps.users.isActiveUser(orgId, userId))) throw new AppError('PATIENTS_USER_NOT_FOUND');
    return records;
  }

  async record(ctx: RequestContext, userId: string, input: TrainingInput): Promise<TrainingRecord> {
    const orgId = actingOrg(ctx);
    requirePermission(ctx, 'training:write');
    if (!isId(userId) || !(await this.deps.users.isActiveUser(orgId, userId))) throw new AppError('PATIENTS_USER_NOT_FOUND');
    const now = this.deps.clock.now();
    const { course, completedAt, expiresAt } = checkTraining(input, now);
    return this.deps.uow.run(async (s) => {
      const record: TrainingRecord = {
        id: newId(),
        orgId,
        userId,
        course,
        completedAt,
        expiresAt,
        recordedAt: now.toISOString(),
        recordedBy: ctx.principal.id,
      };
      await s.training.insert(record);
      await s.audit.record(ctx, {
        action: 'patients.training.record',
        target: { type: 'user', id: userId },
        outcome: 'success',
        orgId,
        details: { trainingId: record.id, course, completedAt, expiresAt, selfAttested: ctx.principal.id === userId },
      });
      return record;
    });
  }
}

function checkTraining(input: TrainingInput, now: Date): { course: TrainingRecord['course']; completedAt: string; expiresAt: string } {
  const bad = (why: string): never => {
    throw new AppError('PATIENTS_TRAINING_INVALID', { publicMessage: `The training record is not valid: ${why}.` });
  };
  if (!isTrainingCourse(input.course)) return bad('unknown course code');
  const completed = Date.parse(input.completedAt);
  const expires = Date.parse(input.expiresAt);
  if (!Number.isFinite(completed) || !Number.isFinite(expires)) return bad('dates must be ISO-8601');
  if (completed > now.getTime()) bad('completedAt is in the future');
  if (expires <= completed) bad('expiresAt must be after completedAt');
  if (expires - completed > MAX_TRAINING_VALIDITY_DAYS * DAY_MS) bad(`validity is at most ${MAX_TRAINING_VALIDITY_DAYS} days`);
  return { course: input.course, completedAt: new Date(completed).toISOString(), expiresAt: new Date(expires).toISOString() };
}
