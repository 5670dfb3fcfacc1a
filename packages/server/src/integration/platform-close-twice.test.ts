/**
 * Platform.close() is idempotent: a platform closed twice (a server's stop, then a test's
 * finally) closes once and does not print "could not sign the audit tail: driver has already
 * been destroyed".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendEvents, makePlatform } from './fixtures.js';

test('ok/closing a platform twice closes it once, quietly', async () => {
  const t = await makePlatform();
  await appendEvents(t.platform, 3);
  const printed: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await Promise.all([t.platform.close(), t.platform.close()]);
    await t.platform.close();
  } finally {
    process.stderr.write = write;
    await t.dispose();
  }
  assert.deepEqual(printed.filter((l) => l.includes('vigil:')), []);
});
