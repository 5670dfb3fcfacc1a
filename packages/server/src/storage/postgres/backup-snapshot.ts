/**
 * PostgreSQL side of backups: `pg_dump -Fc` of the schema Vigil uses, taken in an exported
 * snapshot so the facts the manifest records (audit head, row counts) are read in the very same
 * snapshot; verification by `pg_restore` into a scratch database; restore into an empty database.
 *
 * MUST: the facts and the dump see one snapshot (REPEATABLE READ + pg_export_snapshot, then
 *       `pg_dump --snapshot`), while the server keeps writing.
 * MUST: a restore refuses a database whose schema already holds tables, before writing anything.
 * MUST: the scratch database of a verification is dropped whatever the outcome.
 * Tools: pg_dump / pg_restore from PATH (Debian's postgresql-client); their version must be at
 * least the server's.
 */
import { spawn } from 'node:child_process';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseFacts, DatabaseSnapshot, SnapshotInspection, SnapshotSource } from '../../backup/index.js';
import { AppError } from '../../kernel/index.js';
import { openDatabase } from '../open.js';
import { auditStore } from '../stores/audit-store.js';
import { createScratchDatabase } from './scratch-database.js';

type Queryable = Pick<pg.Client, 'query'>;

export function postgresSnapshotSource(url: string): SnapshotSource {
  return {
    engine: 'postgres',
    snapshot: async (stagingDir): Promise<DatabaseSnapshot> => {
      const file = join(stagingDir, 'snapshot.pgdump');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
        const snapshotId = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]?.id ?? '';
        const schema = (await client.query<{ s: string }>('select current_schema() as s')).rows[0]?.s ?? 'public';
        const facts = await readPostgresFacts(client, schema);
        await run('pg_dump', ['--format=custom', `--snapshot=${snapshotId}`, `--schema=${schema}`, '--no-owner', '--no-privileges', `--file=${file}`, `--dbname=${url}`]);
        await client.query('commit');
        await chmod(file, 0o600);
        return { file, facts: Promise.resolve(facts), remove: () => rm(file, { force: true }) };
      } catch (cause) {
        await rm(file, { force: true });
        throw new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `PostgreSQL snapshot failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

export async function readPostgresFacts(client: Queryable, schema: string): Promise<DatabaseFacts> {
  const tables = (await client.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1", [schema])).rows.map((r) => r.t);
  const rowCounts: Record<string, number> = {};
  for (const table of tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) continue;
    rowCounts[table] = Number((await client.query<{ n: string }>(`select count(*) as n from "${schema}"."${table}"`)).rows[0]?.n ?? 0);
  }
  const has = (t: string) => tables.includes(t);
  const head = has('audit_head') ? (await client.query<{ seq: string; hash: string }>(`select seq, hash from "${schema}".audit_head where id = 1`)).rows[0] : undefined;
  const last = has('telemetry_readings') ? (await client.query<{ t: string | null }>(`select max(received_at) as t from "${schema}".telemetry_readings`)).rows[0]?.t ?? null : null;
  const migration = has('vigil_migrations') ? (await client.query<{ m: string | null }>(`select max(name) as m from "${schema}".vigil_migrations`)).rows[0]?.m ?? null : null;
  return {
    schemaVersion: migration ?? 'none',
    auditHead: head && Number(head.seq) > 0 ? { seq: Number(head.seq), hash: head.hash } : null,
    rowCounts,
    lastTelemetryAt: last,
  };
}

/** Restores a dump into a new scratch database on the same server, for verification. */
export async function inspectPostgresCopy(file: string, serverUrl: string): Promise<SnapshotInspection> {
  const scratch = await createScratchDatabase(serverUrl, 'vigil_verify');
  const drop = scratch.drop;
  const scratchUrl = scratch.url;
  const integrityProblems: string[] = [];
  try {
    await pgRestore(file, scratchUrl);
  } catch (error) {
    integrityProblems.push(`pg_restore into a scratch database failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (integrityProblems.length > 0) {
    await drop();
    return { integrityProblems, facts: { schemaVersion: 'none', auditHead: null, rowCounts: {}, lastTelemetryAt: null }, audit: null, close: () => Promise.resolve() };
  }
  let facts: DatabaseFacts;
  let schema: string;
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    const client = new pg.Client({ connectionString: scratchUrl });
    await client.connect();
    try {
      schema = (await client.query<{ s: string }>("select table_schema as s from information_schema.tables where table_name = 'audit_head' limit 1")).rows[0]?.s ?? 'public';
      facts = await readPostgresFacts(client, schema);
    } finally {
      await client.end();
    }
    database = await openDatabase({ dataDir: '', databaseUrl: scratchUrl, readonly: true, ...(schema !== 'public' ? { postgresSchema: schema } : {}) });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    integrityProblems,
    facts,
    audit: auditStore(database.db, database.dialect),
    close: async () => {
      await database.close();
      await drop();
    },
  };
}

/** Restores a dump into the (empty) database at `url`, then migrates it. */
export async function restorePostgresCopy(file: string, url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const n = Number((await client.query<{ n: string }>("select count(*) as n from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows[0]?.n ?? 0);
    if (n > 0) throw new AppError('BACKUP_RESTORE_TARGET_NOT_EMPTY', { detail: `the target database already holds ${n} tables; a restore only fills an empty database` });
  } finally {
    await client.end();
  }
  await pgRestore(file, url);
  const database = await openDatabase({ dataDir: '', databaseUrl: url });
  await database.close();
}

/**
 * pg_restore of every entry but the `public` schema itself, which every new database already has
 * (restoring its CREATE SCHEMA would fail); its tables, data and indexes are restored.
 */
async function pgRestore(file: string, url: string): Promise<void> {
  const list = await run('pg_restore', ['--list', file]);
  const kept = list.split('\n').filter((line) => !/^\d+; \d+ \d+ SCHEMA - public /.test(line));
  const listFile = `${file}.list`;
  await writeFile(listFile, kept.join('\n'), { mode: 0o600 });
  try {
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', `--use-list=${listFile}`, `--dbname=${url}`, file]);
  } finally {
    await rm(listFile, { force: true });
  }
}

/** Runs a pg tool; resolves with its stdout. */
function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.once('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}: ${redact(stderr.trim())}`))));
  });
}

/** pg tools may echo the connection string; never let a password reach a log or an audit detail. */
function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
}
