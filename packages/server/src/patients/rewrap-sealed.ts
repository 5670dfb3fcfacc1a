/**
 * After a KEK rotation: re-wrap every sealed patient field and break-glass text under the active
 * KEK (Sealer.rewrap: the data key is re-wrapped, the payload is untouched and authenticated).
 *
 * MUST: each batch commits with its own audit event ('patients.sealed.rewrap'), so a crash
 *       leaves every row readable (old or new KEK) and a rerun finishes the job.
 * MUST: a value that does not authenticate stops the run (KEYS_CIPHERTEXT_INVALID): it is
 *       never skipped silently.
 * MUST: only host principals (cli, system) run it; it touches every organization.
 */
import { AppError, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { PHI_FIELDS, type PhiField } from './model.js';
import { PhiSealing } from './phi-sealing.js';
import type { PatientScope } from './store.js';

export interface RewrapReport {
  readonly kekId: string;
  readonly patients: number;
  readonly grants: number;
  /** Values that were under an older KEK and now are under `kekId`. */
  readonly rewrapped: number;
}

const BATCH = 200;

export async function rewrapSealedPhi(uow: UnitOfWork<PatientScope>, sealing: PhiSealing, ctx: RequestContext): Promise<RewrapReport> {
  // The host (CLI, system), or a platform admin through the online KEK rotation (POST /api/v1/keys/kek/rotate).
  const platformAdmin = ctx.principal.kind === 'user' && ctx.principal.roles.includes('platform-admin');
  if (ctx.principal.kind !== 'cli' && ctx.principal.kind !== 'system' && !platformAdmin) {
    throw new AppError('FORBIDDEN', { detail: 'rewrap of sealed PHI runs from the host or a platform admin only' });
  }
  const kekId = sealing.activeKeyId();
  let patients = 0;
  let grants = 0;
  let rewrapped = 0;
  const fresh = (sealed: string, context: string): string => {
    if (sealing.keyIdOf(sealed) === kekId) return sealed;
    rewrapped += 1;
    return sealing.rewrap(sealed, context);
  };

  for (let after: string | null = null; ; ) {
    const batch = await uow.run(async (s) => {
      const rows = await s.patients.scanAll(after, BATCH);
      let changed = 0;
      for (const row of rows) {
        const sealed = {} as Record<PhiField, string>;
        for (const field of PHI_FIELDS) sealed[field] = fresh(row.sealed[field], PhiSealing.context(field, row.orgId, row.id));
        if (PHI_FIELDS.some((f) => sealed[f] !== row.sealed[f])) {
          await s.patients.updateSealed(row.orgId, row.id, sealed, row.updatedAt);
          changed += 1;
        }
      }
      if (changed > 0) {
        await s.audit.record(ctx, { action: 'patients.sealed.rewrap', target: { type: 'kek', id: kekId }, outcome: 'success', details: { table: 'patients', rows: changed } });
      }
      return rows;
    });
    patients += batch.length;
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1]?.id ?? null;
  }

  for (let after: string | null = null; ; ) {
    const batch = await uow.run(async (s) => {
      const rows = await s.breakGlass.scanAll(after, BATCH);
      let changed = 0;
      for (const row of rows) {
        const reason = fresh(row.reasonSealed, PhiSealing.grantContext('reason', row.orgId, row.id));
        const note = row.reviewNoteSealed === null ? null : fresh(row.reviewNoteSealed, PhiSealing.grantContext('review_note', row.orgId, row.id));
        if (reason !== row.reasonSealed || note !== row.reviewNoteSealed) {
          await s.breakGlass.updateSealed(row.orgId, row.id, reason, note);
          changed += 1;
        }
      }
      if (changed > 0) {
        await s.audit.record(ctx, { action: 'patients.sealed.rewrap', target: { type: 'kek', id: kekId }, outcome: 'success', details: { table: 'break_glass_grants', rows: changed } });
      }
      return rows;
    });
    grants += batch.length;
    if (batch.length < BATCH) break;
    after = batch[batch.length - 1]?.id ?? null;
  }
  return { kekId, patients, grants, rewrapped };
}
