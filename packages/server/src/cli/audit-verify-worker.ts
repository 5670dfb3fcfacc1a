/**
 * Worker thread of `vigil audit verify`: verifies one range of the chain on its own read-only
 * connection and posts the SegmentResult back. The main thread stitches the ranges.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SegmentVerifier } from '../audit/index.js';
import { auditStore, openDatabase } from '../storage/index.js';

export interface VerifyWorkerData {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly from: number;
  readonly to: number;
  readonly checkpoints: ReadonlyArray<readonly [number, string]>;
  readonly batchSize: number;
}

const data = workerData as VerifyWorkerData;
const database = await openDatabase({ dataDir: data.dataDir, databaseUrl: data.databaseUrl, readonly: true });
try {
  const reader = auditStore(database.db, database.dialect, database.sqliteHandle);
  const segment = new SegmentVerifier(data.from, new Map(data.checkpoints));
  let after = data.from - 1;
  reading: while (after < data.to) {
    const limit = Math.min(data.batchSize, data.to - after);
    const batch = await reader.readStoredAfter(after, limit);
    for (const record of batch) {
      if (record.seq > data.to) break reading;
      if (!segment.push(record)) break reading;
    }
    const last = batch[batch.length - 1];
    if (!last || batch.length < limit) break;
    after = last.seq;
  }
  parentPort?.postMessage(segment.result());
} finally {
  await database.close();
}
