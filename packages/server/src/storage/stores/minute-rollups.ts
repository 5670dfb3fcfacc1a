/**
 * The per-minute rollups (0010) as the group commit writes them: aggregated per batch, then merged
 * into telemetry_minute_rollups. Plaintext rollups merge in SQL (one upsert); sealed rollups (0014,
 * ADR 0008) cannot, so they are read, opened, merged here and sealed again, with the clear count n
 * as an optimistic version: an UPDATE that finds another n, or an INSERT that finds a row, is a
 * STORAGE_CONFLICT, and the group commit decides again on fresh state.
 *
 * MUST: a sealed rollup is written only with the count its context names (rollupContext).
 * MUST: on SQLite the reads and writes run on the connection of the caller's transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { AppError } from '../../kernel/index.js';
import { decodeValues, encodeValues, rollupContext, type ReadingRow, type VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';

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

/** A stored rollup as read back for a merge. */
interface StoredRollup {
  readonly org_id: string;
  readonly patient_id: string;
  readonly metric: string;
  readonly minute: string;
  readonly n: number | bigint;
  readonly sealed: Buffer | null;
  readonly min_value: number | null;
  readonly max_value: number | null;
  readonly sum_value: number | null;
}

const keyOf = (r: { orgId?: string; org_id?: string; patientId?: string; patient_id?: string; metric: string; minute: string }): string =>
  `${r.orgId ?? r.org_id ?? ''}\n${r.patientId ?? r.patient_id ?? ''}\n${r.metric}\n${r.minute}`;

/** Opens the stored rollups (sealed or plain) into { min, max, sum, n } by key. */
async function openStored(rows: readonly StoredRollup[], sealing: VitalsSealing): Promise<Map<string, { min: number; max: number; sum: number; n: number }>> {
  const sealedRows = rows.filter((r) => r.sealed !== null);
  const opened = await sealing.openMany(sealedRows.map((r) => ({ sealed: r.sealed as Buffer, context: rollupContext(r.org_id, r.patient_id, r.metric, r.minute, Number(r.n)) })));
  const out = new Map<string, { min: number; max: number; sum: number; n: number }>();
  sealedRows.forEach((r, i) => {
    const [min = 0, max = 0, sum = 0] = decodeValues(opened[i] ?? Buffer.alloc(0), 3);
    out.set(keyOf(r), { min, max, sum, n: Number(r.n) });
  });
  for (const r of rows) {
    if (r.sealed === null && r.min_value !== null && r.max_value !== null && r.sum_value !== null) {
      out.set(keyOf(r), { min: Number(r.min_value), max: Number(r.max_value), sum: Number(r.sum_value), n: Number(r.n) });
    }
  }
  return out;
}

/** What to write for each rollup: the merged aggregate, sealed, and the n it replaces (undefined: a new row). */
function merged(rollups: readonly MinuteRollup[], stored: Map<string, { min: number; max: number; sum: number; n: number }>, sealing: VitalsSealing) {
  return rollups.map((m) => {
    const before = stored.get(keyOf(m));
    const min = before ? Math.min(before.min, m.min) : m.min;
    const max = before ? Math.max(before.max, m.max) : m.max;
    const sum = before ? before.sum + m.sum : m.sum;
    const n = (before?.n ?? 0) + m.n;
    return { m, n, previousN: before?.n, sealed: sealing.seal(encodeValues(min, max, sum), rollupContext(m.orgId, m.patientId, m.metric, m.minute, n)) };
  });
}

function conflict(m: MinuteRollup): AppError {
  return new AppError('STORAGE_CONFLICT', { detail: `telemetry: the rollup of ${m.metric} at ${m.minute} moved concurrently` });
}

/** Writes the rollups of `rows` through kysely (PostgreSQL, and SQLite without a handle). */
export async function writeRollups(db: Executor, rows: readonly ReadingRow[], sealing: VitalsSealing | undefined): Promise<void> {
  const rollups = rollUp(rows);
  for (let i = 0; i < rollups.length; i += CHUNK) {
    const chunk = rollups.slice(i, i + CHUNK);
    if (sealing === undefined) {
      const values = chunk.map((m) => sql`(${m.orgId}, ${m.patientId}, ${m.metric}, ${m.minute}, ${m.min}, ${m.max}, ${m.sum}, ${m.n})`);
      await sql`${sql.raw(ROLLUP_INSERT)} VALUES ${sql.join(values)} ${sql.raw(ROLLUP_MERGE)}`.execute(db);
      continue;
    }
    const existing = await db
      .selectFrom('telemetry_minute_rollups')
      .select(['org_id', 'patient_id', 'metric', 'minute', 'n', 'sealed', 'min_value', 'max_value', 'sum_value'])
      .where((eb) => eb.or(chunk.map((m) => eb.and([eb('org_id', '=', m.orgId), eb('patient_id', '=', m.patientId), eb('metric', '=', m.metric), eb('minute', '=', m.minute)]))))
      .execute();
    for (const w of merged(chunk, await openStored(existing, sealing), sealing)) {
      const { m } = w;
      if (w.previousN === undefined) {
        const result = await db
          .insertInto('telemetry_minute_rollups')
          .values({ org_id: m.orgId, patient_id: m.patientId, metric: m.metric, minute: m.minute, min_value: null, max_value: null, sum_value: null, n: w.n, sealed: w.sealed })
          .onConflict((oc) => oc.columns(['org_id', 'patient_id', 'metric', 'minute']).doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) throw conflict(m);
      } else {
        const result = await db
          .updateTable('telemetry_minute_rollups')
          .set({ n: w.n, sealed: w.sealed, min_value: null, max_value: null, sum_value: null })
          .where('org_id', '=', m.orgId)
          .where('patient_id', '=', m.patientId)
          .where('metric', '=', m.metric)
          .where('minute', '=', m.minute)
          .where('n', '=', w.previousN)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw conflict(m);
      }
    }
  }
}

/** The same on SQLite's handle, with prepared statements, inside the caller's transaction. */
export async function writeRollupsSqlite(sqlite: BetterSqlite3.Database, rows: readonly ReadingRow[], sealing: VitalsSealing | undefined): Promise<void> {
  const rollups = rollUp(rows);
  if (rollups.length === 0) return;
  if (sealing === undefined) {
    const upsert = sqlite.prepare(`${ROLLUP_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?) ${ROLLUP_MERGE}`);
    for (const m of rollups) upsert.run(m.orgId, m.patientId, m.metric, m.minute, m.min, m.max, m.sum, m.n);
    return;
  }
  const select = sqlite.prepare(
    'SELECT org_id, patient_id, metric, minute, n, sealed, min_value, max_value, sum_value FROM telemetry_minute_rollups WHERE org_id = ? AND patient_id = ? AND metric = ? AND minute = ?',
  );
  const existing: StoredRollup[] = [];
  for (const m of rollups) {
    const row = select.get(m.orgId, m.patientId, m.metric, m.minute) as StoredRollup | undefined;
    if (row !== undefined) existing.push(row);
  }
  const stored = await openStored(existing, sealing);
  const insert = sqlite.prepare('INSERT INTO telemetry_minute_rollups (org_id, patient_id, metric, minute, n, sealed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const update = sqlite.prepare(
    'UPDATE telemetry_minute_rollups SET n = ?, sealed = ?, min_value = NULL, max_value = NULL, sum_value = NULL WHERE org_id = ? AND patient_id = ? AND metric = ? AND minute = ? AND n = ?',
  );
  for (const w of merged(rollups, stored, sealing)) {
    const { m } = w;
    const changes =
      w.previousN === undefined
        ? insert.run(m.orgId, m.patientId, m.metric, m.minute, w.n, w.sealed).changes
        : update.run(w.n, w.sealed, m.orgId, m.patientId, m.metric, m.minute, w.previousN).changes;
    if (changes !== 1) throw conflict(m);
  }
}
