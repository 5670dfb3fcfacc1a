/**
 * The production adapter: PostgreSQL through pg 8.
 *
 * int8 columns are parsed to JS numbers (sequence numbers stay below 2^53), per pool, without
 * touching pg's global type registry. An optional `schema` sets the search_path, which the
 * test suite uses to give each run its own schema.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { AppError } from '../../kernel/index.js';
import { observedDialect } from '../observed-dialect.js';
import type { SqlDatabase } from '../sql-database.js';
import { StorageHealth } from '../storage-health.js';
import type { Database } from '../tables.js';

export interface PostgresOptions {
  readonly url: string;
  readonly schema?: string;
  readonly maxConnections?: number;
  readonly health?: StorageHealth;
}

const INT8_OID = 20;

export function openPostgres(options: PostgresOptions): SqlDatabase {
  const base = pg.types;
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : base.getTypeParser(oid, format as 'text')) as typeof base.getTypeParser,
  };
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AppError('STORAGE_UNAVAILABLE', { detail: `storage: invalid schema name ${schema}` });
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    types,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  const health = options.health ?? new StorageHealth();
  // node-postgres emits 'error' on a client whose connection ends; with no listener that throws
  // and exits the process. The pool listens only while a client is idle (pool.on('error')), so a
  // client checked out (held by a transaction between two queries) needs its own listener, for its
  // whole life. The query or transaction in flight fails by itself; the pool drops the dead client
  // (it is no longer queryable) and the next acquire connects anew (issue 17).
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => void health.recordError(error, 'client'));
  });
  pool.on('error', (error) => void health.recordError(error, 'idle-client'));
  const db = new Kysely<Database>({ dialect: observedDialect(new PostgresDialect({ pool }), { health }) });
  const host = safeHost(options.url);
  return {
    dialect: 'postgres',
    db,
    health,
    description: `postgres:${host}${schema !== undefined ? `/${schema}` : ''}`,
    ping: async () => {
      try {
        await pool.query('select 1');
        return true;
      } catch (error) {
        health.recordError(error, 'ping');
        return false;
      }
    },
    transportSecurity: async () => {
      try {
        const { rows } = await pool.query<{ ssl: boolean; version: string | null; cipher: string | null }>(
          'SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        );
        const row = rows[0];
        if (row === undefined) return { kind: 'unknown' as const };
        return row.ssl ? { kind: 'tls' as const, ...(row.version ? { version: row.version } : {}), ...(row.cipher ? { cipher: row.cipher } : {}) } : { kind: 'plaintext' as const };
      } catch {
        return { kind: 'unknown' as const };
      }
    },
    close: async () => {
      health.close();
      await db.destroy();
    },
  };
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable url)';
  }
}
