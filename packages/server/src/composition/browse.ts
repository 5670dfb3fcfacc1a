/**
 * `vigil backup browse`: one patient's records, or one device's telemetry over a time range, read
 * out of a backup as FHIR R4 JSON without restoring it over anything (HIPAA §164.308(a)(7): access
 * to backed-up data). The backup is verified and opened in a private scratch folder that is
 * removed afterwards.
 *
 * MUST: a reason is required; the read is audited in the LIVE system as a PHI access (a workforce
 *       use), before any PHI is handed out, and fails closed when the audit write fails.
 * MUST: the free-text reason is never copied into the audit log: only its keyed fingerprint.
 * MUST: a PostgreSQL backup is opened in a uniquely named scratch database on the live server
 *       (never the live database), dropped afterwards whatever the outcome.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, restoreBackup, type BackupTarget } from '../backup/index.js';
import { validate } from '../config/index.js';
import { observationsOfMessage, toPatientResource, type VitalReading } from '../fhir/index.js';
import { ed25519Verifier } from '../keys/index.js';
import { AppError, type RequestContext } from '../kernel/index.js';
import { openPlatform, type Platform } from '../main.js';
import { PhiSealing } from '../patients/index.js';
import { openReadingValues } from '../storage/index.js';
import { resolveAgeBinary, snapshotInspectorFor, snapshotRestorer, withScratchDatabase } from './backup.js';

export const BROWSE_REASON_DOMAIN = 'backup.browse-reason';
const MAX_READINGS = 200_000;

export interface BrowseRequest {
  readonly target: BackupTarget;
  readonly identity: string;
  readonly backupId: string;
  readonly reason: string;
  readonly patientId?: string | undefined;
  readonly device?: { readonly id: string; readonly from: string; readonly to: string } | undefined;
}

export interface FhirCollection {
  readonly resourceType: 'Bundle';
  readonly type: 'collection';
  readonly timestamp: string;
  readonly entry: ReadonlyArray<{ readonly resource: unknown }>;
}

export async function browseBackup(live: Platform, request: BrowseRequest, ctx: RequestContext): Promise<FhirCollection> {
  if (request.reason.trim().length < 8) throw new AppError('VALIDATION_FAILED', { detail: 'browse needs --reason: why this PHI is read (at least 8 characters)' });
  if ((request.patientId === undefined) === (request.device === undefined)) throw new AppError('VALIDATION_FAILED', { detail: 'browse needs exactly one of --patient or --device' });
  const engine = (await readManifest(request.target, request.backupId)).manifest.engine;
  const serverUrl = live.config.databaseUrl;
  const scratch = await mkdtemp(join(tmpdir(), 'vigil-browse-'));
  try {
    return await withScratchDatabase(engine, serverUrl, 'vigil_browse', async (databaseUrl) => {
      const dataDir = join(scratch, 'data');
      await restoreBackup(
        { target: request.target, identity: request.identity, inspector: snapshotInspectorFor(serverUrl), verifier: ed25519Verifier, restorer: snapshotRestorer(databaseUrl), clock: live.clock, ageBinary: await resolveAgeBinary(live.config.backup.ageBinary) },
        request.backupId,
        { dataDir, dryRun: false },
      );
      const { config } = validate({ dataDir, ...(databaseUrl !== undefined ? { databaseUrl } : {}), logLevel: 'silent' });
      const copy = await openPlatform({ config, env: {} });
      try {
        return await readOut(live, copy, request, ctx);
      } finally {
        await copy.close();
      }
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function readOut(live: Platform, copy: Platform, request: BrowseRequest, ctx: RequestContext): Promise<FhirCollection> {
  const subject = request.patientId !== undefined ? { type: 'patient', id: request.patientId } : { type: 'device', id: request.device?.id ?? '' };
  const resources = request.patientId !== undefined ? await patientRecords(copy, request.patientId) : await deviceTelemetry(copy, request.device);
  // Audited in the live system, before anything is handed out (fails closed).
  await live.withAuditStore((store) =>
    live.auditLog.writer(store).record(ctx, {
      action: 'backup.browse.phi_read',
      target: { type: subject.type, id: subject.id.slice(0, 128) },
      outcome: 'success',
      reason: 'workforce_use',
      details: { backupId: request.backupId, resources: resources.length, reasonFingerprint: live.keys.keyedHasher(BROWSE_REASON_DOMAIN).hash(request.reason) },
    }),
  );
  return { resourceType: 'Bundle', type: 'collection', timestamp: live.clock.now().toISOString(), entry: resources.map((resource) => ({ resource })) };
}

async function patientRecords(copy: Platform, patientId: string): Promise<unknown[]> {
  const row = await copy.database.db.selectFrom('patients').selectAll().where('id', '=', patientId).executeTakeFirst();
  if (row === undefined) throw new AppError('BACKUP_NOT_FOUND', { detail: `no patient ${patientId} in this backup` });
  const open = (field: 'mrn' | 'givenName' | 'familyName' | 'birthDate' | 'sex', sealed: string) =>
    Buffer.from(copy.sealer.open(sealed, PhiSealing.context(field, row.org_id, row.id))).toString('utf8');
  const sex = open('sex', row.sex_sealed);
  const patient = toPatientResource({
    id: row.id,
    mrn: open('mrn', row.mrn_sealed),
    givenName: open('givenName', row.given_name_sealed),
    familyName: open('familyName', row.family_name_sealed),
    birthDate: open('birthDate', row.birth_date_sealed),
    sex: sex === 'female' || sex === 'male' || sex === 'other' ? sex : 'unknown',
  });
  const readings = await copy.database.db.selectFrom('telemetry_readings').selectAll().where('patient_id', '=', patientId).orderBy('measured_at').limit(MAX_READINGS).execute();
  return [patient, ...observations(await withValues(copy, readings))];
}

async function deviceTelemetry(copy: Platform, device: BrowseRequest['device']): Promise<unknown[]> {
  if (device === undefined) return [];
  const readings = await copy.database.db
    .selectFrom('telemetry_readings')
    .selectAll()
    .where('device_id', '=', device.id)
    .where('measured_at', '>=', device.from)
    .where('measured_at', '<', device.to)
    .orderBy('measured_at')
    .limit(MAX_READINGS)
    .execute();
  return observations(await withValues(copy, readings));
}

/** Readings with their values opened: sealed at rest (issue 11), they open with the copy's own data keys. */
async function withValues<R extends Parameters<typeof openReadingValues>[0][number]>(copy: Platform, rows: readonly R[]): Promise<Array<R & { value: number }>> {
  const values = await openReadingValues(rows, copy.vitalsAtRest.sealing, copy.database.db);
  return rows.map((r, i) => ({ ...r, value: values[i] ?? Number.NaN }));
}

function observations(rows: ReadonlyArray<{ patient_id: string | null; device_id: string; seq: number; idx: number; metric: string; value: number; measured_at: string; received_at: string }>): unknown[] {
  const byMessage = new Map<string, VitalReading[]>();
  for (const r of rows) {
    const key = `${r.device_id}:${r.seq}:${r.measured_at}`;
    const reading: VitalReading = { patientId: r.patient_id ?? '', deviceId: r.device_id, seq: r.seq, idx: r.idx, metric: r.metric, value: r.value, measuredAt: r.measured_at, receivedAt: r.received_at };
    byMessage.set(key, [...(byMessage.get(key) ?? []), reading]);
  }
  return [...byMessage.values()].flatMap((group) => observationsOfMessage(group));
}
