/**
 * The per-minute rollups (0010) as the group commit writes them: aggregated per batch, then merged.
 * In clear (benches, and databases before 0014) they merge in SQL into telemetry_minute_rollups,
 * one upsert each; sealed (ADR 0008) they merge into the hour blocks of rollup-blocks.ts.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { ReadingRow, VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
import { writeBlocks, writeBlocksSqlite } from './rollup-blocks.js';

/** toISOString's form for years 0000-9999, the form the group commit stores. */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The minute a time falls in, as telemetry_minute_rollups stores it: '2026-11-28T12:34:00.000Z'. */
export function minuteOf(iso: string): string {
  // The stored form is cut at the minute as text (once per reading in the group commit); any other is parsed.
  if (CANONICAL_TIME.test(iso)) return `${iso.slice(0, 17)}00.000Z`;
  return new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString();
}

export interface MinuteRollup {
  readonly orgId: string;
  readonly patientId: string;
  readonly metric: string;
  readonly minute: string;
  min: number;
  max: number;
  sum: number;
  n: number;
}

/** The batch's readings with a patient, aggregated per (org, patient, metric, minute): one write each. */
export function rollUp(rows: readonly ReadingRow[]): MinuteRollup[] {
  const out = new Map<string, MinuteRollup>();
  for (const r of rows) {
    if (r.patientId === null) continue;
    const minute = minuteOf(r.measuredAt);
    const key = `${r.orgId}\n${r.patientId}\n${r.metric}\n${minute}`;
    const m = out.get(key);
    if (m === undefined) {
      out.set(key, { orgId: r.orgId, patientId: r.patientId, metric: r.metric, minute, min: r.value, max: r.value, sum: r.value, n: 1 });
    } else {
      m.min = Math.min(m.min, r.value);
      m.max = Math.max(m.max, r.value);
      m.sum += r.value;
      m.n += 1;
    }
  }
  return [...out.values()];
}

const ROLLUP_INSERT = 'INSERT INTO telemetry_minute_rollups (org_id, patient_id, metric, minute, min_value, max_value, sum_value, n)';
/** Merges into an existing minute; plain CASE rather than min()/LEAST(), which differ between SQLite and PostgreSQL. */
const ROLLUP_MERGE = `ON CONFLICT (org_id, patient_id, metric, minute) DO UPDATE SET
  min_value = CASE WHEN excluded.min_value < telemetry_minute_rollups.min_value THEN excluded.min_value ELSE telemetry_minute_rollups.min_value END,
  max_value = CASE WHEN excluded.max_value > telemetry_minute_rollups.max_value THEN excluded.max_value ELSE telemetry_minute_rollups.max_value END,
  sum_value = telemetry_minute_rollups.sum_value + excluded.sum_value,
  n = telemetry_minute_rollups.n + excluded.n`;
const CHUNK = 500;

/** Writes the rollups of `rows` through kysely (PostgreSQL, and SQLite without a handle). */
export async function writeRollups(db: Executor, rows: readonly ReadingRow[], sealing: VitalsSealing | undefined): Promise<void> {
  const rollups = rollUp(rows);
  if (rollups.length === 0) return;
  if (sealing !== undefined) {
    await writeBlocks(db, rollups, sealing);
    return;
  }
  for (let i = 0; i < rollups.length; i += CHUNK) {
    const values = rollups.slice(i, i + CHUNK).map((m) => sql`(${m.orgId}, ${m.patientId}, ${m.metric}, ${m.minute}, ${m.min}, ${m.max}, ${m.sum}, ${m.n})`);
    await sql`${sql.raw(ROLLUP_INSERT)} VALUES ${sql.join(values)} ${sql.raw(ROLLUP_MERGE)}`.execute(db);
  }
}

/** The same on SQLite's handle, with prepared statements, inside the caller's transaction. */
export async function writeRollupsSqlite(sqlite: BetterSqlite3.Database, rows: readonly ReadingRow[], sealing: VitalsSealing | undefined): Promise<void> {
  const rollups = rollUp(rows);
  if (rollups.length === 0) return;
  if (sealing !== undefined) {
    await writeBlocksSqlite(sqlite, rollups, sealing);
    return;
  }
  const upsert = sqlite.prepare(`${ROLLUP_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?) ${ROLLUP_MERGE}`);
  for (const m of rollups) upsert.run(m.orgId, m.patientId, m.metric, m.minute, m.min, m.max, m.sum, m.n);
}
