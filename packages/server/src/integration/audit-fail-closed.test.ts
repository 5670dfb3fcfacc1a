/**
 * Fail-closed audit: when the audit store cannot be written, the operation it records fails
 * and nothing is committed. Runs on SQLite, and on PostgreSQL when VIGIL_TEST_DATABASE_URL is set.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { AuditLog } from '../audit/index.js';
import { SetupCredentialService } from '../identity/index.js';
import { isAppError, ManualClock } from '../kernel/index.js';
import { auditStore, setupCredentialStore, SqlUnitOfWork, systemMetaStore, type Executor, type SqlDatabase } from '../storage/index.js';
import { testAdapters, withTestDatabase } from '../storage/contract/adapters.js';
import { testContext } from './fixtures.js';

async function breakAuditStore(database: SqlDatabase): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql`CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit store unwritable'); END`.execute(database.db);
  } else {
    await sql.raw(`CREATE FUNCTION audit_unwritable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store unwritable'; END $$`).execute(database.db);
    await sql`CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_unwritable()`.execute(database.db);
  }
}

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/fail-closed audit`, () => {
    test('fail/issuing a setup credential with an unwritable audit store fails and commits nothing', async () => {
      await withTestDatabase(adapter.open, async (t) => {
        const { database } = t;
        const clock = new ManualClock();
        const log = new AuditLog({
          signer: () => {
            throw new Error('no checkpoint expected');
          },
          clock,
          checkpointEvery: 1000,
          checkpointIntervalSeconds: 60,
      });
      const scope = (ex: Executor) => ({
        credentials: setupCredentialStore(ex),
        meta: systemMetaStore(ex),
        audit: log.writer(auditStore(ex, database.dialect)),
      });
      const service = new SetupCredentialService(new SqlUnitOfWork(database, scope), clock, 60);

      // Control: with a healthy store the operation commits both the credential and its event.
      await service.issue(testContext);
      const count = async (table: 'setup_credentials' | 'audit_events') =>
        Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(await count('setup_credentials'), 1);
      assert.equal(await count('audit_events'), 1);

      await breakAuditStore(database);
      await assert.rejects(service.issue(testContext), (error: unknown) => isAppError(error) && error.code === 'AUDIT_WRITE_FAILED');
      assert.equal(await count('setup_credentials'), 1, 'no new credential was committed');
      assert.equal(await count('audit_events'), 1);
      const stored = await database.db.selectFrom('setup_credentials').select('consumed_at').executeTakeFirstOrThrow();
      assert.equal(stored.consumed_at, null, 'the retire of the earlier credential was rolled back too');
      assert.equal((await auditStore(database.db, database.dialect).readHead()).seq, 1, 'the chain head did not move');
      });
    });
  });
}
