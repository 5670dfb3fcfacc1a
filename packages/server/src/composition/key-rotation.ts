/**
 * KEK rotation, online (issue 11): the running server rotates its own KEK (so every seal after the
 * rotation already uses the new one) and re-wraps EVERYTHING sealed under an older KEK: patient
 * fields and break-glass texts, TOTP secrets, the identity fingerprint key, delivery channel
 * secrets, clinical alert values, and the vitals' data keys (sealed_data_keys). The vitals
 * themselves are never touched: their data keys are re-wrapped.
 *
 * A value sealed under the old KEK just before the rotation and written just after a pass went
 * by is caught by the next pass: passes repeat until one finds nothing left (at most MAX_PASSES).
 *
 * MUST: the rotation is audited ('keys.kek.rotate') before any re-wrap; each table's re-wrap is
 *       audited ('keys.sealed.rewrap', with the count).
 * MUST: the report says how many values are left under a retired KEK; 0 is the only success.
 * MUST: only host principals (cli, system) and platform admins run it (the route's permission).
 */
import { DisclosureService } from '../disclosures/index.js';
import { channelSealContext } from '../alerts/index.js';
import { FINGERPRINT_CONTEXT, FINGERPRINT_KEY, TOTP_CONTEXT } from '../identity/index.js';
import { createBulkSealer, type KeyProvider, type Sealer } from '../keys/index.js';
import { AppError, type Clock, type RequestContext } from '../kernel/index.js';
import { PhiSealing } from '../patients/index.js';
import type { AuditEventInput } from '../audit/index.js';
import { alertValueContext, countNotUnder, rewrapSealedColumn, sealedDataKeyStore, type SealedColumn, type SqlDatabase } from '../storage/index.js';

const MAX_PASSES = 5;

const str = (row: Readonly<Record<string, unknown>>, key: string): string => String(row[key]);

const PHI_COLUMNS = [
  ['mrn', 'mrn_sealed'],
  ['givenName', 'given_name_sealed'],
  ['familyName', 'family_name_sealed'],
  ['birthDate', 'birth_date_sealed'],
  ['sex', 'sex_sealed'],
] as const;

/** Every column the envelope Sealer writes. A new sealed column is added here (a test scans the whole database). */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  ...PHI_COLUMNS.map(([field, column]): SealedColumn => ({ table: 'patients', column, key: ['id'], reads: ['org_id'], context: (r) => PhiSealing.context(field, str(r, 'org_id'), str(r, 'id')) })),
  { table: 'break_glass_grants', column: 'reason_sealed', key: ['id'], reads: ['org_id'], context: (r) => PhiSealing.grantContext('reason', str(r, 'org_id'), str(r, 'id')) },
  { table: 'break_glass_grants', column: 'review_note_sealed', key: ['id'], reads: ['org_id'], context: (r) => PhiSealing.grantContext('review_note', str(r, 'org_id'), str(r, 'id')) },
  { table: 'users', column: 'totp_secret_sealed', key: ['id'], context: (r) => TOTP_CONTEXT(str(r, 'id')) },
  { table: 'system_meta', column: 'value', key: ['key'], only: { column: 'key', value: FINGERPRINT_KEY }, context: () => FINGERPRINT_CONTEXT },
  { table: 'alert_channels', column: 'sealed_secrets', key: ['id'], context: (r) => channelSealContext(str(r, 'id')) },
  { table: 'disclosures', column: 'content_sealed', key: ['id'], reads: ['org_id'], context: (r) => DisclosureService.context(str(r, 'org_id'), str(r, 'id')) },
  {
    table: 'clinical_alerts',
    column: 'value_sealed',
    key: ['id'],
    reads: ['org_id', 'patient_id', 'rule_id', 'metric'],
    context: (r) => alertValueContext({ orgId: str(r, 'org_id'), id: str(r, 'id'), patientId: str(r, 'patient_id'), ruleId: str(r, 'rule_id'), metric: str(r, 'metric') }),
  },
];

export interface RewrapEverythingReport {
  readonly kekId: string;
  /** Values (and data keys) re-wrapped, by table.column. */
  readonly rewrapped: Readonly<Record<string, number>>;
  readonly passes: number;
  /** Values still under a retired KEK after the last pass (0 on success). */
  readonly remaining: number;
}

export interface KeyRotationDeps {
  readonly database: SqlDatabase;
  readonly keys: KeyProvider;
  readonly sealer: Sealer;
  readonly clock: Clock;
  /** Appends audit events in their own transaction. */
  readonly audit: (ctx: RequestContext, events: readonly AuditEventInput[]) => Promise<void>;
  /** Patients' own re-wrap (optimistic on updated_at, audited per batch). */
  readonly rewrapPhi: (ctx: RequestContext) => Promise<{ rewrapped: number }>;
}

export async function rewrapEverything(deps: KeyRotationDeps, ctx: RequestContext): Promise<RewrapEverythingReport> {
  const kekId = deps.keys.active('kek').id;
  const rewrapped: Record<string, number> = {};
  const add = (name: string, n: number) => (rewrapped[name] = (rewrapped[name] ?? 0) + n);
  const dataKeys = createBulkSealer(deps.keys, sealedDataKeyStore(deps.database.db), deps.clock);
  let remaining = 0;
  let passes = 0;
  while (passes < MAX_PASSES) {
    passes += 1;
    add('patients (service)', (await deps.rewrapPhi(ctx)).rewrapped);
    add('sealed_data_keys', await dataKeys.rewrapDataKeys());
    for (const spec of SEALED_COLUMNS) add(`${spec.table}.${spec.column}`, await rewrapSealedColumn(deps.database, deps.sealer, spec));
    remaining = await countRemaining(deps, kekId);
    if (remaining === 0) break;
  }
  const events: AuditEventInput[] = Object.entries(rewrapped)
    .filter(([, n]) => n > 0)
    .map(([table, rows]) => ({ action: 'keys.sealed.rewrap', target: { type: 'kek', id: kekId }, outcome: 'success', details: { table, rows } }));
  if (events.length > 0) await deps.audit(ctx, events);
  return { kekId, rewrapped, passes, remaining };
}

async function countRemaining(deps: KeyRotationDeps, kekId: string): Promise<number> {
  let n = 0;
  for (const spec of SEALED_COLUMNS) n += await countNotUnder(deps.database, spec, kekId);
  const byKek = await sealedDataKeyStore(deps.database.db).countByKek();
  for (const [id, count] of byKek) if (id !== kekId) n += count;
  return n;
}

export interface KekRotationReport extends RewrapEverythingReport {
  readonly previousKekId: string;
}

/** Rotates the KEK (audited) and re-wraps everything sealed under older KEKs. */
export async function rotateKek(deps: KeyRotationDeps, ctx: RequestContext): Promise<KekRotationReport> {
  if (ctx.principal.kind !== 'cli' && ctx.principal.kind !== 'system' && !(ctx.principal.kind === 'user' && ctx.principal.roles.includes('platform-admin'))) {
    throw new AppError('FORBIDDEN', { detail: 'KEK rotation is for host operators and platform admins' });
  }
  const previousKekId = deps.keys.active('kek').id;
  const rotated = await deps.keys.rotate('kek');
  await deps.audit(ctx, [{ action: 'keys.kek.rotate', target: { type: 'key', id: rotated.id }, outcome: 'success', details: { previousKeyId: previousKekId } }]);
  return { previousKekId, ...(await rewrapEverything(deps, ctx)) };
}
