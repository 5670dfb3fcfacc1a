/**
 * Migration 0011 on SQLite: the readings table is rebuilt with one device-keyed index per reading.
 * Readings stored before it survive, in order; the lookups by device and time, and by key for a
 * patient's reading, read their indexes; a reading stored twice is still refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
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

const BEFORE = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010];

const insert = `INSERT INTO telemetry_readings (org_id, device_id, patient_id, seq, idx, metric, value, unit, measured_at, received_at, digest)
  VALUES (?, ?, ?, ?, ?, '8867-4', ?, '/min', ?, '2026-11-28T12:00:00.000Z', ?)`;

function plan(raw: BetterSqlite3.Database, query: string, ...params: unknown[]): string {
  return (raw.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

test('ok/0011 keeps every reading, in order, and serves both lookups from an index; fail/a duplicate is refused', async () => {
  const raw = new BetterSqlite3(':memory:');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    for (const m of BEFORE) await m.up(db, 'sqlite');
    raw.prepare(insert).run('org-a', 'device-b', 'patient-1', 1, 0, 71, '2026-11-28T12:00:01.000Z', 'digest-b1');
    raw.prepare(insert).run('org-a', 'device-a', null, 1, 0, 72, '2026-11-28T12:00:02.000Z', 'digest-a1');
    raw.prepare(insert).run('org-a', 'device-a', null, 2, 0, 73, '2026-11-28T12:00:03.000Z', 'digest-a2');

    await m0011.up(db, 'sqlite');

    const rows = raw.prepare('SELECT device_id, patient_id, seq, value, digest FROM telemetry_readings ORDER BY rowid').all();
    assert.deepEqual(rows, [
      { device_id: 'device-b', patient_id: 'patient-1', seq: 1, value: 71, digest: 'digest-b1' },
      { device_id: 'device-a', patient_id: null, seq: 1, value: 72, digest: 'digest-a1' },
      { device_id: 'device-a', patient_id: null, seq: 2, value: 73, digest: 'digest-a2' },
    ]);
    const indexes = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'telemetry_readings' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(indexes, ['telemetry_readings_device_time', 'telemetry_readings_org_patient_time', 'telemetry_readings_patient_device_seq', 'telemetry_readings_patient_metric_time']);

    assert.match(
      plan(raw, 'SELECT digest FROM telemetry_readings WHERE device_id = ? AND measured_at = ? AND seq = ? AND idx = 0', 'device-a', '2026-11-28T12:00:03.000Z', 2),
      /USING INDEX telemetry_readings_device_time \(device_id=\? AND measured_at=\? AND seq=\? AND idx=\?\)/,
    );
    assert.match(
      plan(raw, 'SELECT * FROM telemetry_readings WHERE org_id = ? AND device_id = ? AND measured_at >= ? AND measured_at < ? ORDER BY measured_at, seq, idx', 'org-a', 'device-a', 'a', 'b'),
      /USING INDEX telemetry_readings_device_time \(device_id=\? AND measured_at>\? AND measured_at<\?\)/,
    );
    assert.match(
      plan(raw, 'SELECT value FROM telemetry_readings WHERE org_id = ? AND device_id = ? AND seq = ? AND idx = ? AND patient_id IS NOT NULL', 'org-a', 'device-b', 1, 0),
      /USING INDEX telemetry_readings_patient_device_seq \(device_id=\? AND seq=\? AND idx=\?\)/,
    );

    assert.throws(() => raw.prepare(insert).run('org-a', 'device-a', null, 2, 0, 73, '2026-11-28T12:00:03.000Z', 'digest-a2'), /UNIQUE constraint failed/);
    assert.throws(() => raw.prepare(insert).run('org-a', 'device-b', 'patient-1', 1, 0, 99, '2026-11-28T12:09:00.000Z', 'other'), /UNIQUE constraint failed/);
  } finally {
    await db.destroy();
  }
});
