/**
 * Vitals at rest (issue 11, item 3; ADR 0008), end to end over a real platform on SQLite:
 * - the database file (with its WAL) holds no patient's vital in any encoding, after readings went
 *   through the group commit, into the minute rollups, and opened a clinical alert;
 * - a database written in clear (as before migration 0014) is sealed on the first start, with a
 *   message, compacted so no plaintext stays in free pages, and every value reads back.
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { SYSTEM_PRINCIPAL } from '../kernel/index.js';
import { openPlatform } from '../main.js';
import { clinicalAlertStore, SQLITE_FILE_NAME, telemetryStore, vitalsStore } from '../storage/index.js';
import { clinician, makeClinicalHarness, patientWithTeam } from './clinical-fixtures.js';
import { makePlatform } from './fixtures.js';
import { contextOf } from './patients-fixtures.js';

const HR = '8867-4';
/** Heart rates no other figure of the platform has; each spelling is searched in the raw file. */
const VITALS = [173.390625, 171.859375];

function encodings(value: number): Buffer[] {
  const be = Buffer.alloc(8);
  be.writeDoubleBE(value); // SQLite's on-disk REAL
  const le = Buffer.alloc(8);
  le.writeDoubleLE(value);
  return [be, le, Buffer.from(String(value), 'utf8')];
}

/** The bytes of vigil.db and its WAL, as a thief who copied the data directory would have them. */
function rawDatabase(dataDir: string): Buffer {
  const files = [SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`].map((f) => join(dataDir, f)).filter((f) => existsSync(f));
  return Buffer.concat(files.map((f) => readFileSync(f)));
}

function holds(raw: Buffer, value: number): boolean {
  return encodings(value).some((e) => raw.includes(e));
}

describe('vitals at rest', () => {
  it('fail/the database file reveals no vital: readings, rollups and the clinical alert value are sealed', async () => {
    const h = await makeClinicalHarness();
    try {
      const doctor = await clinician(h, 'doctor');
      const patient = await patientWithTeam(h, 'MRN-REST-1', [doctor]);
      const device = await h.addDevice();
      const t0 = h.clock.now().getTime() - 600_000;
      await h.bindings.bind(contextOf(h.admin), { patientId: patient, deviceId: device.deviceId, startAt: new Date(t0).toISOString() });
      await h.clinicalAlerts.createRule(contextOf(h.admin), { patientId: patient, metric: HR, comparison: 'gt', value: 150, durationSeconds: 0, severity: 'high' });
      await h.send(
        device,
        VITALS.map((value, i) => ({ ts: new Date(t0 + 10_000 + i * 1000).toISOString(), readings: [{ metric: HR, value, unit: '/min' }] })),
      );
      const alerts = await h.clinicalAlerts.listAlerts(contextOf(doctor));
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]?.value, VITALS[0], 'the alert value reads back');
      const series = await h.vitals.range(contextOf(doctor), patient, { metrics: [HR], from: new Date(t0).toISOString(), to: h.clock.now().toISOString() });
      assert.deepEqual(
        series.series.flatMap((s) => (s.points ?? []).map((p) => p.v)),
        VITALS,
        'the readings read back exactly',
      );
      h.platform.database.sqliteHandle?.pragma('wal_checkpoint(PASSIVE)');
      const raw = rawDatabase(h.platform.dataDir);
      for (const v of VITALS) assert.equal(holds(raw, v), false, `vigil.db holds the vital ${v} in clear`);
    } finally {
      await h.dispose();
    }
  });

  it('ok/a database written in clear is sealed on first start (with a message), compacted, and reads back', async (t) => {
    const tp = await makePlatform();
    try {
      // A platform writing in clear, as every version before migration 0014 did.
      await tp.platform.close();
      const plain = await openPlatform({ config: tp.config, env: {}, clock: tp.clock, sealVitals: false });
      const [v1 = 0, v2 = 0] = VITALS;
      const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 11, 0, s)).toISOString();
      const row = (seq: number, value: number) => ({ orgId: 'org-1', deviceId: 'dev-1', patientId: 'patient-1', seq, idx: 0, metric: HR, value, unit: '/min', measuredAt: at(seq), receivedAt: at(seq), digest: `d-${seq}` });
      await telemetryStore(plain.database.db, plain.database.sqliteHandle).insertReadings([row(1, v1), row(2, v2)]);
      await clinicalAlertStore(plain.database.db).insertIfNone({
        id: 'alert-1', orgId: 'org-1', patientId: 'patient-1', ruleId: 'rule-1', metric: HR, comparison: 'gt', threshold: 150, value: v1,
        severity: 'high', status: 'open', openedAt: at(1), acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null,
      });
      await plain.close();
      assert.equal(holds(rawDatabase(tp.dataDir), v1), true, 'the fixture really is in clear');

      const lines: string[] = [];
      t.mock.method(console, 'error', (line: string) => void lines.push(line));
      const sealed = await openPlatform({ config: tp.config, env: {}, clock: tp.clock });
      try {
        assert.match(lines.join('\n'), /sealing 4 vitals stored in clear/);
        assert.match(lines.join('\n'), /sealed 2 readings, 1 minute rollups and 1 clinical alert values; compacting/);
        const { db } = sealed.database;
        const clear = await sql<{ n: number }>`SELECT (SELECT count(*) FROM telemetry_readings WHERE value IS NOT NULL) + (SELECT count(*) FROM telemetry_minute_rollups) + (SELECT count(*) FROM clinical_alerts WHERE value IS NOT NULL) AS n`.execute(db);
        assert.equal(Number(clear.rows[0]?.n), 0);
        const vitals = vitalsStore(db, sealed.database.dialect, sealed.vitalsAtRest.sealing);
        assert.deepEqual((await vitals.range('org-1', 'patient-1', HR, at(0), at(59), 10, 'asc')).map((p) => p.value), [v1, v2]);
        assert.deepEqual(await vitals.buckets('org-1', 'patient-1', HR, at(0), new Date(Date.UTC(2026, 10, 28, 12)).toISOString(), 3600, 10), [
          { t: at(0), min: Math.min(v1, v2), max: Math.max(v1, v2), mean: (v1 + v2) / 2, count: 2 },
        ]);
        assert.equal((await clinicalAlertStore(db, sealed.vitalsAtRest.alertSealer).find('org-1', 'alert-1'))?.value, v1);
        const raw = rawDatabase(tp.dataDir);
        for (const v of VITALS) assert.equal(holds(raw, v), false, `vigil.db still holds ${v} in clear after the migration`);
      } finally {
        await sealed.close();
      }
      lines.length = 0;
      const again = await openPlatform({ config: tp.config, env: {}, clock: tp.clock });
      await again.close();
      assert.equal(lines.filter((l) => l.includes('sealing')).length, 0, 'the second start does not seal or scan again');
    } finally {
      await tp.dispose();
    }
  });

  it('ok/the platform seals by default', async () => {
    const tp = await makePlatform();
    try {
      assert.ok(tp.platform.vitalsAtRest.sealing);
      assert.ok(tp.platform.vitalsAtRest.alertSealer);
      assert.equal(SYSTEM_PRINCIPAL.kind, 'system');
    } finally {
      await tp.dispose();
    }
  });
});
