/**
 * Worker thread of the PLT-AUDIT-CHAIN evidence (audit-integrity.ts): opens the database
 * read-only, verifies the chain, posts { facts } or { error } and closes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../storage/index.js';
import { verifyAuditIntegrity, type AuditIntegrityInput } from './audit-integrity.js';

const input = workerData as AuditIntegrityInput;
try {
  const database = await openDatabase({ dataDir: input.dataDir, databaseUrl: input.databaseUrl, readonly: true });
  try {
    parentPort?.postMessage({ facts: await verifyAuditIntegrity(database, input) });
  } finally {
    await database.close();
  }
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
