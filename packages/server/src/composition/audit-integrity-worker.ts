/**
 * Worker thread of the PLT-AUDIT-CHAIN evidence (audit-integrity.ts): opens the database
 * read-only, verifies the chain, posts { facts } or { error } and closes. It runs at a lower CPU
 * priority (nice 10, as the backup workers): an audit competes with ingest for the cores, and
 * ingest must keep its share (issue 14's bench: ingest during an audit against ingest alone).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerWorkerThreadPriority } from '../host/index.js';
import { openDatabase } from '../storage/index.js';
import { verifyAuditIntegrity, type AuditIntegrityInput } from './audit-integrity.js';

const input = workerData as AuditIntegrityInput;
lowerWorkerThreadPriority();
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
