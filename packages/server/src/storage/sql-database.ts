/**
 * SqlDatabase: one opened database, whichever dialect. Modules never see it; main.ts hands
 * them store ports built from it (see unit-of-work.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { SqlDialect } from './dialect.js';
import type { StorageHealth } from './storage-health.js';
import type { Database } from './tables.js';

export type Executor = Kysely<Database> | Transaction<Database>;

export interface SqlDatabase {
  readonly dialect: SqlDialect;
  readonly db: Kysely<Database>;
  /** A short description for logs, without credentials. */
  readonly description: string;
  /** The better-sqlite3 handle (SQLite only), for bulk reads that kysely's row objects make slow. */
  readonly sqliteHandle?: BetterSqlite3.Database;
  /** Whether this node can commit (issue 17): fed by every query and commit of `db`. */
  readonly health: StorageHealth;
  ping(): Promise<boolean>;
  /**
   * How the connection to the database is protected in transit (issue 11): 'tls' or 'plaintext'
   * for PostgreSQL (pg_stat_ssl of this session), 'local-file' for SQLite (no network).
   */
  transportSecurity?(): Promise<DatabaseTransport>;
  close(): Promise<void>;
}

export interface DatabaseTransport {
  readonly kind: 'tls' | 'plaintext' | 'local-file' | 'unknown';
  /** The TLS protocol version and cipher when kind is 'tls'. */
  readonly version?: string;
  readonly cipher?: string;
}
