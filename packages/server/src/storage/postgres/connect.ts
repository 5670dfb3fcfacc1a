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
import type { SqlDatabase } from '../sql-database.js';
import type { Database } from '../tables.js';

export interface PostgresOptions {
  readonly url: string;
  readonly schema?: string;
  readonly maxConnections?: number;
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
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries surface their own errors.
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const host = safeHost(options.url);
  return {
    dialect: 'postgres',
    db,
    description: `postgres:${host}${schema !== undefined ? `/${schema}` : ''}`,
    ping: async () => {
      try {
        await pool.query('select 1');
        return true;
      } catch {
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
