/**
 * Vitals sealing for the store contracts (ADR 0008): one real local key store per test process
 * (in a temporary directory, removed at exit), and per test database a BulkSealer over that
 * database's sealed_data_keys table, prepared once.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBulkSealer, createEnvelopeSealer, initKeyStore, type KeyProvider, type Sealer } from '../../keys/index.js';
import { systemClock } from '../../kernel/index.js';
import type { VitalsSealing } from '../../telemetry/index.js';
import { sealedDataKeyStore } from '../stores/sealed-data-key-store.js';
import type { TestDatabase } from './adapters.js';

let provider: Promise<KeyProvider> | undefined;

export function testKeyProvider(): Promise<KeyProvider> {
  provider ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), 'vigil-test-keys-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    return initKeyStore({ dataDir: join(root, 'data'), masterKey: randomBytes(32).toString('hex'), clock: systemClock });
  })();
  return provider;
}

const perDatabase = new WeakMap<TestDatabase, Promise<{ sealing: VitalsSealing; sealer: Sealer }>>();

export function testSealing(t: TestDatabase): Promise<{ sealing: VitalsSealing; sealer: Sealer }> {
  let found = perDatabase.get(t);
  if (found === undefined) {
    found = (async () => {
      const keys = await testKeyProvider();
      const sealing = createBulkSealer(keys, sealedDataKeyStore(t.database.db, t.database.sqliteHandle), systemClock);
      await sealing.prepare();
      return { sealing, sealer: createEnvelopeSealer(keys) };
    })();
    perDatabase.set(t, found);
  }
  return found;
}
