/**
 * Scratch databases on the configured PostgreSQL server, for work on a copy of a backup
 * (verification, DR drills, browse): created under a unique random name, dropped after.
 *
 * MUST: the name is generated here (`<prefix>_<12 hex>`, prefix checked), never taken from input.
 * MUST: drop() removes the database whatever is connected to it (WITH (FORCE)) and never throws;
 *       callers call it in a finally.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AppError } from '../../kernel/index.js';

export interface ScratchDatabase {
  readonly name: string;
  /** The server URL with the scratch database as its path (query options such as sslmode kept). */
  readonly url: string;
  drop(): Promise<void>;
}

const PREFIX_RE = /^vigil_[a-z]{2,16}$/;

export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  if (!PREFIX_RE.test(prefix)) throw new AppError('INTERNAL', { detail: `not a scratch database prefix: ${prefix}` });
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } catch (cause) {
    await admin.end().catch(() => undefined);
    throw new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `cannot create a scratch database on the PostgreSQL server (CREATEDB needed): ${cause instanceof Error ? cause.message : String(cause)}`, cause });
  }
  let dropped = false;
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
