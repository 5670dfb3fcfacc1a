/**
 * SqlDatabase: one opened database, whichever dialect. Modules never see it; main.ts hands
 * them store ports built from it (see unit-of-work.ts).
 */
import type { Kysely, Transaction } from 'kysely';
import type { SqlDialect } from './dialect.js';
import type { Database } from './tables.js';

export type Executor = Kysely<Database> | Transaction<Database>;

export interface SqlDatabase {
  readonly dialect: SqlDialect;
  readonly db: Kysely<Database>;
  /** A short description for logs, without credentials. */
  readonly description: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
