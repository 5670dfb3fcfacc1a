/**
 * Compliance evidence from the backup and firmware-update modules (issues 12 and 13), read from
 * their tables: the checks PLT-BACKUP-RECENT, PLT-DR-DRILL, DEV-ATTESTATION and DEV-FIRMWARE-EOS.
 * MUST: read only; a device counts only while it may connect (active or quarantined).
 */
import type { BackupEvidence, FirmwareEvidence } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';

const LIVE_DEVICE = ['active', 'quarantined'];

export function backupEvidence(db: Executor, limits: { maxBackupAgeHours: number; maxDrillAgeDays: number }): BackupEvidence {
  return {
    ...limits,
    async latestBackup() {
      const created = await db.selectFrom('backup_runs').select(['backup_id', 'finished_at']).where('kind', '=', 'create').where('outcome', '=', 'success').orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (created === undefined || created.backup_id === null) return null;
      const verified = await db.selectFrom('backup_runs').select('id').where('kind', '=', 'verify').where('outcome', '=', 'success').where('backup_id', '=', created.backup_id).limit(1).executeTakeFirst();
      return { id: created.backup_id, at: created.finished_at, verified: verified !== undefined };
    },
    async latestDrill() {
      const drill = await db.selectFrom('backup_runs').select(['id', 'finished_at', 'outcome']).where('kind', '=', 'drill').orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return drill ? { id: drill.id, at: drill.finished_at, ok: drill.outcome === 'success' } : null;
    },
  };
}

export function firmwareEvidence(db: Executor, now: () => Date): FirmwareEvidence {
  return {
    async unattestedDevices() {
      const rows = await db
        .selectFrom('devices')
        .leftJoin('device_attestations', 'device_attestations.device_id', 'devices.id')
        .select(['devices.id as deviceId', 'devices.org_id as orgId', 'device_attestations.state as state'])
        .where('devices.status', 'in', LIVE_DEVICE)
        .execute();
      return rows
        .filter((r) => r.state !== 'verified')
        .map((r) => ({ deviceId: r.deviceId, orgId: r.orgId, reason: r.state === null ? 'no attestation on record' : `last attestation: ${r.state}` }));
    },
    async endOfSupportDevices() {
      const rows = await db
        .selectFrom('device_attestations')
        .innerJoin('devices', 'devices.id', 'device_attestations.device_id')
        .innerJoin('firmware_releases', (j) => j.onRef('firmware_releases.model', '=', 'device_attestations.model').onRef('firmware_releases.version', '=', 'device_attestations.firmware_version'))
        .select(['devices.id as deviceId', 'devices.org_id as orgId', 'firmware_releases.model as model', 'firmware_releases.version as version', 'firmware_releases.support_ends_at as endOfSupport'])
        .where('devices.status', 'in', LIVE_DEVICE)
        .where('firmware_releases.support_ends_at', '<=', now().toISOString())
        .execute();
      return rows.map((r) => ({ deviceId: r.deviceId, orgId: r.orgId, release: `${r.model} ${r.version}`, endOfSupport: r.endOfSupport }));
    },
  };
}
