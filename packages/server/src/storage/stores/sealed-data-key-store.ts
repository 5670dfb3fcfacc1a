/** WrappedDataKeyStore (keys/ port of the BulkSealer) over the sealed_data_keys table (0014). */
import type BetterSqlite3 from 'better-sqlite3';
import type { WrappedDataKey, WrappedDataKeyStore } from '../../keys/index.js';
import type { Executor } from '../sql-database.js';
import type { SealedDataKeysTable } from '../tables.js';

/**
 * @param sqlite SQLite only: `find` then reads on the connection itself, synchronously. A reader
 * inside a transaction (the group commit merging a rollup, a FHIR read in its audited transaction)
 * must not wait for the one connection its own transaction holds. Inserts go through kysely, which
 * waits for any open transaction: a data key is committed on its own, before it seals anything.
 */
export function sealedDataKeyStore(db: Executor, sqlite?: BetterSqlite3.Database): WrappedDataKeyStore {
  return {
    async insert(key) {
      await db.insertInto('sealed_data_keys').values({ id: key.id, kek_id: key.kekId, wrapped: Buffer.from(key.wrapped), created_at: key.createdAt }).execute();
    },
    async find(ids) {
      if (ids.length === 0) return [];
      if (sqlite) {
        const select = sqlite.prepare('SELECT id, kek_id, wrapped, created_at FROM sealed_data_keys WHERE id = ?');
        const found = ids.map((id) => select.get(id) as SealedDataKeysTable | undefined).filter((r): r is SealedDataKeysTable => r !== undefined);
        return Promise.resolve(found.map(fromRow));
      }
      const rows = await db.selectFrom('sealed_data_keys').selectAll().where('id', 'in', [...ids]).execute();
      return rows.map(fromRow);
    },
    async notUnder(kekId, limit) {
      const rows = await db.selectFrom('sealed_data_keys').selectAll().where('kek_id', '<>', kekId).orderBy('id').limit(limit).execute();
      return rows.map(fromRow);
    },
    async replaceWrap(id, fromKekId, to) {
      const result = await db
        .updateTable('sealed_data_keys')
        .set({ kek_id: to.kekId, wrapped: Buffer.from(to.wrapped) })
        .where('id', '=', id)
        .where('kek_id', '=', fromKekId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countByKek() {
      const rows = await db.selectFrom('sealed_data_keys').select((eb) => ['kek_id', eb.fn.countAll<number>().as('n')]).groupBy('kek_id').execute();
      return new Map(rows.map((r) => [r.kek_id, Number(r.n)]));
    },
  };
}

function fromRow(r: SealedDataKeysTable): WrappedDataKey {
  return { id: r.id, kekId: r.kek_id, wrapped: Buffer.from(r.wrapped), createdAt: r.created_at };
}
