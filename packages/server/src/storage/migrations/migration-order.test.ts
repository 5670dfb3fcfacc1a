/**
 * Migrations are append-only: a database that ran the released ones refuses a migration named
 * before its newest (kysely checks the order), so a new migration must sort after every released
 * one. RELEASED is the list as of the last landed release; extend it when a release lands.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIGRATION_NAMES } from './index.js';

const RELEASED = [
  '0001-foundation', '0002-identity', '0003-patients', '0004-devices', '0005-telemetry', '0006-clinical', '0007-security-alerts', '0008-delivery-usage',
  '0009-vitals-index', '0010-vitals-rollups', '0011-readings-device-index', '0013-audit-search', '0014-vitals-at-rest', '0015-hardening-findings',
  '0016-backup-runs', '0017-updates', '0018-compliance', '0020-incidents', '0021-disclosures', '0022-usernames-per-organization', '0023-device-events',
  '0024-value-batches', '0028-incident-action-reasons', '0029-list-indexes', '0030-org-maintenance-windows', '0031-device-sites',
];

test('ok/the released migrations come first, unchanged, and every newer one sorts after them', () => {
  assert.deepEqual(MIGRATION_NAMES.slice(0, RELEASED.length), RELEASED, 'a released migration was renamed, removed or had one inserted before it');
  const newest = RELEASED[RELEASED.length - 1] ?? '';
  for (const name of MIGRATION_NAMES.slice(RELEASED.length)) assert.ok(name > newest, `${name} sorts before the released ${newest}: name it after it`);
  const sorted = [...MIGRATION_NAMES].sort();
  assert.deepEqual(MIGRATION_NAMES, sorted, 'migrations run in name order');
  assert.equal(new Set(MIGRATION_NAMES.map((n) => n.slice(0, 4))).size, MIGRATION_NAMES.length, 'one migration per number');
});
