/**
 * The one-time sealing of vitals stored in clear before migration 0014 (issue 11, ADR 0008), run
 * by the platform at start, once the keys are open: readings, minute rollups (moved into sealed
 * hour blocks) and clinical alert values. Each chunk is sealed and written in its own transaction, so a crash leaves every row
 * readable and the next start goes on. When nothing is left in clear, the database is compacted
 * (SQLite: VACUUM, then the WAL truncated; PostgreSQL: VACUUM FULL of the tables), because
 * an UPDATE leaves the old bytes in free pages and dead tuples. Every start looks for rows in clear
 * through the partial indexes of 0014 (empty once sealed), so the check costs nothing after that,
 * and rows a plaintext writer added later (an older version started again) are sealed too.
 *
 * MUST: no reading, rollup or alert value stays in clear once this returns.
 * MUST: only rows with a value in clear are touched; the value in clear wins over any sealed one
 *       (a sealed row never has a value in clear: Vigil writes one or the other).
 */
import { sql } from 'kysely';
import type { Sealer } from '../keys/index.js';
import { encodeValues, readingContext, type VitalsSealing } from '../telemetry/index.js';
import type { SqlDatabase } from './sql-database.js';
import { alertValueContext } from './stores/clinical-alert-store.js';
import { writeBlocks } from './stores/rollup-blocks.js';

const CHUNK = 2000;

export interface SealPlaintextReport {
  readonly readings: number;
  readonly rollups: number;
  readonly alerts: number;
  readonly compacted: boolean;
}

export async function sealPlaintextVitals(
  database: SqlDatabase,
  sealing: VitalsSealing,
  sealer: Sealer,
  log: (line: string) => void,
): Promise<SealPlaintextReport | undefined> {
  const { db } = database;
  if (!(await anyInClear(database))) return undefined;
  const pending = await countPlaintext(database);
  log(`vigil: sealing ${pending} vitals stored in clear before this version (readings, rollups, clinical alerts); this runs once`);
  let readings = 0;
  for (;;) {
    await sealing.prepare();
    const done = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('telemetry_readings')
        .select(['org_id', 'device_id', 'patient_id', 'seq', 'idx', 'metric', 'measured_at', 'value'])
        .where('value', 'is not', null)
        .limit(CHUNK)
        .execute();
      for (const r of rows) {
        const identity = { orgId: r.org_id, deviceId: r.device_id, patientId: r.patient_id, seq: Number(r.seq), idx: r.idx, metric: r.metric, measuredAt: r.measured_at };
        await trx
          .updateTable('telemetry_readings')
          .set({ value: null, value_sealed: sealing.seal(encodeValues(Number(r.value)), readingContext(identity)) })
          .where('device_id', '=', r.device_id)
          .where('seq', '=', r.seq)
          .where('idx', '=', r.idx)
          .where('measured_at', '=', r.measured_at)
          .execute();
      }
      return rows.length;
    });
    readings += done;
    if (done < CHUNK) break;
  }
  // Minute rollups in clear move into sealed hour blocks (merged with any block already there).
  let rollups = 0;
  for (;;) {
    await sealing.prepare();
    const done = await db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('telemetry_minute_rollups').selectAll().orderBy('org_id').orderBy('patient_id').orderBy('metric').orderBy('minute').limit(CHUNK).execute();
      await writeBlocks(
        trx,
        rows.map((r) => ({ orgId: r.org_id, patientId: r.patient_id, metric: r.metric, minute: r.minute, min: Number(r.min_value), max: Number(r.max_value), sum: Number(r.sum_value), n: Number(r.n) })),
        sealing,
      );
      for (const r of rows) {
        await trx.deleteFrom('telemetry_minute_rollups').where('org_id', '=', r.org_id).where('patient_id', '=', r.patient_id).where('metric', '=', r.metric).where('minute', '=', r.minute).execute();
      }
      return rows.length;
    });
    rollups += done;
    if (done < CHUNK) break;
  }
  const alerts = await db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('clinical_alerts').select(['id', 'org_id', 'patient_id', 'rule_id', 'metric', 'value']).where('value', 'is not', null).execute();
    for (const r of rows) {
      const sealed = sealer.seal(Buffer.from(String(Number(r.value)), 'utf8'), alertValueContext({ orgId: r.org_id, id: r.id, patientId: r.patient_id, ruleId: r.rule_id, metric: r.metric }));
      await trx.updateTable('clinical_alerts').set({ value: null, value_sealed: sealed }).where('id', '=', r.id).execute();
    }
    return rows.length;
  });
  log(`vigil: sealed ${readings} readings, ${rollups} minute rollups and ${alerts} clinical alert values; compacting the database so no plaintext stays in free pages`);
  await compact(database);
  log('vigil: vitals are sealed at rest; the database was compacted');
  return { readings, rollups, alerts, compacted: true };
}

async function anyInClear(database: SqlDatabase): Promise<boolean> {
  const { db } = database;
  const reading = await db.selectFrom('telemetry_readings').select('idx').where('value', 'is not', null).limit(1).executeTakeFirst();
  if (reading) return true;
  const rollup = await db.selectFrom('telemetry_minute_rollups').select('n').limit(1).executeTakeFirst();
  if (rollup) return true;
  return (await db.selectFrom('clinical_alerts').select('id').where('value', 'is not', null).limit(1).executeTakeFirst()) !== undefined;
}

async function countPlaintext(database: SqlDatabase): Promise<number> {
  const { db } = database;
  const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
  return (
    (await count(db.selectFrom('telemetry_readings').select((eb) => eb.fn.countAll<number>().as('n')).where('value', 'is not', null).executeTakeFirst())) +
    (await count(db.selectFrom('telemetry_minute_rollups').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())) +
    (await count(db.selectFrom('clinical_alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('value', 'is not', null).executeTakeFirst()))
  );
}

async function compact(database: SqlDatabase): Promise<void> {
  if (database.dialect === 'postgres') {
    for (const table of ['telemetry_readings', 'telemetry_minute_rollups', 'telemetry_rollup_blocks', 'clinical_alerts']) await sql.raw(`VACUUM FULL ${table}`).execute(database.db);
    return;
  }
  const handle = database.sqliteHandle;
  if (!handle) return;
  handle.pragma('wal_checkpoint(TRUNCATE)');
  handle.exec('VACUUM');
  handle.pragma('wal_checkpoint(TRUNCATE)');
}
