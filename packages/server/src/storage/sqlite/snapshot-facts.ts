/** The facts a backup manifest records, read from one SQLite database (a snapshot copy). */
import type BetterSqlite3 from 'better-sqlite3';
import type { DatabaseFacts } from '../../backup/index.js';

export function readSqliteFacts(db: BetterSqlite3.Database): DatabaseFacts {
  const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>).map((r) => r.name);
  const rowCounts: Record<string, number> = {};
  for (const table of tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) continue;
    rowCounts[table] = (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
  }
  const head = tables.includes('audit_head') ? (db.prepare('select seq, hash from audit_head where id = 1').get() as { seq: number; hash: string } | undefined) : undefined;
  const last = tables.includes('telemetry_readings') ? (db.prepare('select max(received_at) as t from telemetry_readings').get() as { t: string | null }).t : null;
  const migration = tables.includes('vigil_migrations') ? (db.prepare('select max(name) as m from vigil_migrations').get() as { m: string | null }).m : null;
  return {
    schemaVersion: migration ?? 'none',
    auditHead: head && head.seq > 0 ? { seq: head.seq, hash: head.hash } : null,
    rowCounts,
    lastTelemetryAt: last,
  };
}
