import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BACKGROUND_NICE, lowerWorkerThreadPriority } from './thread-priority.js';

/** The nice value of one thread (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[16]);
}

test('fail/the main thread is never lowered (its priority could not be raised back)', () => {
  const before = niceOf('/proc/thread-self/stat');
  assert.equal(lowerWorkerThreadPriority(), false);
  if (process.platform === 'linux') assert.equal(niceOf('/proc/thread-self/stat'), before);
});

test('ok/a worker thread is lowered to the background nice value, and only that thread', { skip: process.platform !== 'linux' && 'nice per thread is Linux only' }, async () => {
  const mainBefore = niceOf('/proc/thread-self/stat');
  const url = new URL('./thread-priority.js', import.meta.url).href;
  const source = `
    const { parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    import(${JSON.stringify(url)}).then((m) => {
      const lowered = m.lowerWorkerThreadPriority();
      const stat = readFileSync('/proc/thread-self/stat', 'utf8');
      parentPort.postMessage({ lowered, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) });
    });`;
  const worker = new Worker(source, { eval: true });
  const result = await new Promise<{ lowered: boolean; nice: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(result, { lowered: true, nice: BACKGROUND_NICE });
  assert.equal(niceOf('/proc/thread-self/stat'), mainBefore, 'the main thread keeps its priority');
});
