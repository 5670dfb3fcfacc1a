/** SetupCredentialStore and SystemMetaStore over kysely. */
import type { SetupCredentialRow, SetupCredentialStore, SystemMetaStore } from '../../identity/index.js';
import type { Executor } from '../sql-database.js';
import type { SetupCredentialsTable } from '../tables.js';

export function setupCredentialStore(db: Executor): SetupCredentialStore {
  return {
    async insert(row) {
      await db
        .insertInto('setup_credentials')
        .values({ id: row.id, token_hash: row.tokenHash, created_at: row.createdAt, expires_at: row.expiresAt, consumed_at: row.consumedAt })
        .execute();
    },
    async findUsable(now) {
      const rows = await db.selectFrom('setup_credentials').selectAll().where('consumed_at', 'is', null).where('expires_at', '>', now).execute();
      return rows.map(fromRow);
    },
    async findByHash(tokenHash) {
      const row = await db.selectFrom('setup_credentials').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async retireAll(now) {
      const result = await db.updateTable('setup_credentials').set({ consumed_at: now }).where('consumed_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async markConsumed(id, now) {
      const result = await db.updateTable('setup_credentials').set({ consumed_at: now }).where('id', '=', id).where('consumed_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function systemMetaStore(db: Executor): SystemMetaStore {
  return {
    async get(key) {
      const row = await db.selectFrom('system_meta').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async set(key, value, now) {
      await db
        .insertInto('system_meta')
        .values({ key, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute();
    },
  };
}

function fromRow(r: SetupCredentialsTable): SetupCredentialRow {
  return { id: r.id, tokenHash: r.token_hash, createdAt: r.created_at, expiresAt: r.expires_at, consumedAt: r.consumed_at };
}
