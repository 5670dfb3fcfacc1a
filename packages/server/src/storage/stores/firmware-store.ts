/**
 * FirmwareStore and TufMetadataStore over kysely (both dialects).
 * Releases are platform-wide (firmware is the device maker's), so these tables carry no org_id.
 * PostgreSQL returns bigint columns as strings; lengths are converted back with Number().
 */
import type { AttestationRow, AttestationStore, FirmwareImage, FirmwareRelease, FirmwareStore, ModelPolicy, SbomSummary, TufMetadataStore } from '../../updates/index.js';
import type { Executor } from '../sql-database.js';
import type { UpdatesTables } from '../tables.js';

type ReleaseRow = UpdatesTables['firmware_releases'];

export function firmwareStore(db: Executor): FirmwareStore {
  return {
    async insertImage(image) {
      await db
        .insertInto('firmware_images')
        .values({ sha256: image.sha256, sha512: image.sha512, length: image.length, model: image.model, uploaded_at: image.uploadedAt, uploaded_by: image.uploadedBy })
        .execute();
    },
    async findImage(sha256) {
      const row = await db.selectFrom('firmware_images').selectAll().where('sha256', '=', sha256).executeTakeFirst();
      return row && imageFromRow(row);
    },
    async insertRelease(r, sbomText) {
      await db
        .insertInto('firmware_releases')
        .values({
          id: r.id,
          model: r.model,
          version: r.version,
          min_version: r.minVersion,
          hardware_revisions: JSON.stringify(r.hardwareRevisions),
          notes: r.notes,
          target_path: r.targetPath,
          sha256: r.sha256,
          sha512: r.sha512,
          length: r.length,
          support_ends_at: r.supportEndsAt,
          end_of_life_at: r.endOfLifeAt,
          sbom_summary: JSON.stringify(r.sbom),
          sbom: sbomText,
          created_at: r.createdAt,
          created_by: r.createdBy,
        })
        .execute();
    },
    async listReleases(model) {
      let q = db.selectFrom('firmware_releases').select(RELEASE_COLUMNS);
      if (model !== undefined) q = q.where('model', '=', model);
      const rows = await q.orderBy('model').orderBy('created_at').orderBy('id').execute();
      return rows.map(releaseFromRow);
    },
    async findRelease(model, version) {
      const row = await db.selectFrom('firmware_releases').select(RELEASE_COLUMNS).where('model', '=', model).where('version', '=', version).executeTakeFirst();
      return row && releaseFromRow(row);
    },
    async sbomText(releaseId) {
      const row = await db.selectFrom('firmware_releases').select('sbom').where('id', '=', releaseId).executeTakeFirst();
      return row?.sbom;
    },
    async findPolicy(model) {
      const row = await db.selectFrom('firmware_model_policies').selectAll().where('model', '=', model).executeTakeFirst();
      return row && policyFromRow(row);
    },
    async upsertPolicy(p: ModelPolicy) {
      const values = { max_image_bytes: p.maxImageBytes, require_attestation: p.requireAttestation ? 1 : 0, quarantine_on_unknown_hash: p.quarantineOnUnknownHash ? 1 : 0 };
      await db
        .insertInto('firmware_model_policies')
        .values({ model: p.model, ...values })
        .onConflict((oc) => oc.column('model').doUpdateSet(values))
        .execute();
    },
  };
}

export function tufMetadataStore(db: Executor): TufMetadataStore {
  return {
    async insert(row) {
      await db.insertInto('tuf_metadata').values({ role: row.role, version: row.version, body: row.body, expires: row.expires, created_at: row.createdAt }).execute();
    },
    async latest(role) {
      const row = await db.selectFrom('tuf_metadata').selectAll().where('role', '=', role).orderBy('version', 'desc').limit(1).executeTakeFirst();
      return row && { role: row.role, version: Number(row.version), body: row.body, expires: row.expires, createdAt: row.created_at };
    },
    async find(role, version) {
      const row = await db.selectFrom('tuf_metadata').selectAll().where('role', '=', role).where('version', '=', version).executeTakeFirst();
      return row && { role: row.role, version: Number(row.version), body: row.body, expires: row.expires, createdAt: row.created_at };
    },
  };
}

const RELEASE_COLUMNS = [
  'id',
  'model',
  'version',
  'min_version',
  'hardware_revisions',
  'notes',
  'target_path',
  'sha256',
  'sha512',
  'length',
  'support_ends_at',
  'end_of_life_at',
  'sbom_summary',
  'created_at',
  'created_by',
] as const;

function releaseFromRow(row: Omit<ReleaseRow, 'sbom'>): FirmwareRelease {
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    minVersion: row.min_version,
    hardwareRevisions: JSON.parse(row.hardware_revisions) as string[],
    notes: row.notes,
    targetPath: row.target_path,
    sha256: row.sha256,
    sha512: row.sha512,
    length: Number(row.length),
    supportEndsAt: row.support_ends_at,
    endOfLifeAt: row.end_of_life_at,
    sbom: JSON.parse(row.sbom_summary) as SbomSummary,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function imageFromRow(row: UpdatesTables['firmware_images']): FirmwareImage {
  return { sha256: row.sha256, sha512: row.sha512, length: Number(row.length), model: row.model, uploadedAt: row.uploaded_at, uploadedBy: row.uploaded_by };
}

function policyFromRow(row: UpdatesTables['firmware_model_policies']): ModelPolicy {
  return { model: row.model, maxImageBytes: Number(row.max_image_bytes), requireAttestation: row.require_attestation === 1, quarantineOnUnknownHash: row.quarantine_on_unknown_hash === 1 };
}

/** Attestations: every query filters by org_id (tenant data). */
export function attestationStore(db: Executor): AttestationStore {
  return {
    async find(orgId, deviceId) {
      const row = await db.selectFrom('device_attestations').selectAll().where('org_id', '=', orgId).where('device_id', '=', deviceId).executeTakeFirst();
      return row && attestationFromRow(row);
    },
    async upsert(a) {
      const values = {
        org_id: a.orgId,
        model: a.model,
        firmware_version: a.firmwareVersion,
        image_sha256: a.imageSha256,
        state: a.state,
        measured_at: a.measuredAt,
        received_at: a.receivedAt,
        quarantined_by_policy: a.quarantinedByPolicy ? 1 : 0,
      };
      await db
        .insertInto('device_attestations')
        .values({ device_id: a.deviceId, ...values })
        .onConflict((oc) => oc.column('device_id').doUpdateSet(values))
        .execute();
    },
    async list(orgId) {
      const rows = await db.selectFrom('device_attestations').selectAll().where('org_id', '=', orgId).orderBy('device_id').execute();
      return rows.map(attestationFromRow);
    },
  };
}

function attestationFromRow(row: UpdatesTables['device_attestations']): AttestationRow {
  return {
    deviceId: row.device_id,
    orgId: row.org_id,
    model: row.model,
    firmwareVersion: row.firmware_version,
    imageSha256: row.image_sha256,
    state: row.state,
    measuredAt: row.measured_at,
    receivedAt: row.received_at,
    quarantinedByPolicy: row.quarantined_by_policy === 1,
  };
}
