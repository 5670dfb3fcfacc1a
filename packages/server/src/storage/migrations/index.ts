/**
 * Versioned migrations, applied in order at start. A migration is never edited once released:
 * add a new one. Names sort lexically; kysely records applied ones in `vigil_migrations`.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { AppError } from '../../kernel/index.js';
import type { SqlDialect } from '../dialect.js';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-identity.js';
import * as m0003 from './0003-patients.js';
import * as m0004 from './0004-devices.js';
import * as m0005 from './0005-telemetry.js';
import * as m0006 from './0006-clinical.js';
import * as m0007 from './0007-security-alerts.js';
import * as m0008 from './0008-delivery-usage.js';
import * as m0009 from './0009-vitals-index.js';
import * as m0010 from './0010-vitals-rollups.js';
import * as m0011 from './0011-readings-device-index.js';
import * as m0013 from './0013-audit-search.js';
import * as m0014 from './0014-vitals-at-rest.js';
import * as m0015 from './0015-hardening-findings.js';
import * as m0016 from './0016-backup-runs.js';
import * as m0017 from './0017-updates.js';
import * as m0018 from './0018-compliance.js';
import * as m0020 from './0020-incidents.js';
import * as m0021 from './0021-disclosures.js';
import * as m0022 from './0022-usernames-per-organization.js';
import * as m0023 from './0023-device-events.js';
import * as m0024 from './0024-value-batches.js';
import * as m0028 from './0028-incident-action-reasons.js';
import * as m0029 from './0029-list-indexes.js';
import * as m0030 from './0030-org-maintenance-windows.js';
import * as m0031 from './0031-device-sites.js';

type Step = (db: Kysely<unknown>, dialect: SqlDialect) => Promise<void>;

const STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['0001-foundation', m0001.up],
  ['0002-identity', m0002.up],
  ['0003-patients', m0003.up],
  ['0004-devices', m0004.up],
  ['0005-telemetry', m0005.up],
  ['0006-clinical', m0006.up],
  ['0007-security-alerts', m0007.up],
  ['0008-delivery-usage', m0008.up],
  ['0009-vitals-index', m0009.up],
  ['0010-vitals-rollups', m0010.up],
  ['0011-readings-device-index', m0011.up],
  ['0013-audit-search', m0013.up],
  ['0014-vitals-at-rest', m0014.up],
  ['0015-hardening-findings', m0015.up],
  ['0016-backup-runs', m0016.up],
  ['0017-updates', m0017.up],
  ['0018-compliance', m0018.up],
  ['0020-incidents', m0020.up],
  ['0021-disclosures', m0021.up],
  ['0022-usernames-per-organization', m0022.up],
  ['0023-device-events', m0023.up],
  ['0024-value-batches', m0024.up],
  ['0028-incident-action-reasons', m0028.up],
  ['0029-list-indexes', m0029.up],
  ['0030-org-maintenance-windows', m0030.up],
  ['0031-device-sites', m0031.up],
];

export const LATEST_MIGRATION = STEPS[STEPS.length - 1]?.[0] ?? '';

/** Every migration's name, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = STEPS.map(([name]) => name);

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of STEPS) out[name] = { up: (db) => up(db, this.dialect) };
    return Promise.resolve(out);
  }
}

/**
 * `schema`: the PostgreSQL schema the tables live in, when it is not the default. kysely looks for
 * its migration tables across every schema unless told which, so two schemas in one database
 * (the test suites run in parallel, one schema each) would otherwise see each other's tables.
 */
export async function migrateToLatest(db: Kysely<unknown>, dialect: SqlDialect, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeProvider(dialect),
    migrationTableName: 'vigil_migrations',
    migrationLockTableName: 'vigil_migrations_lock',
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('STORAGE_MIGRATION_FAILED', { detail: `storage: migration ${failed} failed: ${describe(error)}`, cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
