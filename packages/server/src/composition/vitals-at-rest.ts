/**
 * Wiring of vitals confidential at rest (issue 11, ADR 0008): the BulkSealer over the database's
 * sealed_data_keys table, and the one-time sealing of a database written before migration 0014.
 *
 * MUST: the platform seals every vital it writes unless a bench explicitly asks otherwise
 *       (`sealVitals: false`, never reachable from configuration).
 */
import { createBulkSealer, type KeyProvider, type Sealer } from '../keys/index.js';
import type { Clock } from '../kernel/index.js';
import { sealedDataKeyStore, sealPlaintextVitals, type SqlDatabase } from '../storage/index.js';
import type { VitalsSealing } from '../telemetry/index.js';

export interface VitalsAtRest {
  /** Seals readings and rollups; undefined only in a bench's plaintext comparison. */
  readonly sealing: VitalsSealing | undefined;
  /** Seals clinical alert values (the platform's envelope Sealer), or undefined like `sealing`. */
  readonly alertSealer: Sealer | undefined;
}

export async function openVitalsAtRest(w: {
  database: SqlDatabase;
  keys: KeyProvider;
  sealer: Sealer;
  clock: Clock;
  enabled: boolean;
  log?: (line: string) => void;
}): Promise<VitalsAtRest> {
  if (!w.enabled) return { sealing: undefined, alertSealer: undefined };
  const sealing = createBulkSealer(w.keys, sealedDataKeyStore(w.database.db, w.database.sqliteHandle), w.clock);
  const log = w.log ?? ((line: string) => console.error(line));
  await sealPlaintextVitals(w.database, sealing, w.sealer, log);
  return { sealing, alertSealer: w.sealer };
}
