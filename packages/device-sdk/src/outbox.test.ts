import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { Outbox, parseJournal } from './outbox.js';
import { DeviceSdkError } from './sdk-error.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sdk-outbox-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'outbox');
}

const payload = (seq: number) => JSON.stringify({ seq });

test('ok/appends are durable, in seq order, and acknowledged ones are not pending after reopen', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir });
  const entries = await Promise.all([1, 2, 3, 4, 5].map(() => outbox.append(payload)));
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3, 4, 5]);
  outbox.ack(1);
  outbox.ack(3);
  await outbox.close();
  const reopened = await Outbox.open({ dir });
  assert.deepEqual(reopened.unacknowledged().map((e) => e.seq), [2, 4, 5]);
  assert.equal(reopened.nextAfter(0)?.seq, 2);
  assert.equal(reopened.nextAfter(2)?.seq, 4);
  assert.equal((await stat(join(dir, 'journal'))).mode & 0o777, 0o600);
  await reopened.close();
});

test('ok/seq is monotonic across a crash (no close) and never reused', async (t) => {
  const dir = await tempDir(t);
  const first = await Outbox.open({ dir, seqBlock: 10 });
  for (let i = 0; i < 12; i++) await first.append(payload);
  for (let seq = 1; seq <= 12; seq++) first.ack(seq);
  await first.flush();
  // "Crash": abandon the instance without closing it; a new process opens the same directory.
  const second = await Outbox.open({ dir, seqBlock: 10 });
  assert.equal(second.pending, 0);
  const next = await second.append(payload);
  assert.ok(next.seq > 12, `seq ${next.seq} must be above every seq handed out before`);
  await second.close();
  const third = await Outbox.open({ dir, seqBlock: 10 });
  const after = await third.append(payload);
  assert.ok(after.seq > next.seq);
  await third.close();
});

test('ok/a torn tail is cut and every durable message survives', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir });
  for (let i = 0; i < 3; i++) await outbox.append(payload);
  await outbox.close();
  await appendFile(join(dir, 'journal'), '0badc0de {"s":4,"p":"half');
  const reopened = await Outbox.open({ dir });
  assert.deepEqual(reopened.unacknowledged().map((e) => e.seq), [1, 2, 3]);
  const next = await reopened.append(payload);
  assert.ok(next.seq >= 4);
  await reopened.close();
  const text = await readFile(join(dir, 'journal'), 'utf8');
  assert.doesNotMatch(text, /half/);
  assert.deepEqual(parseJournal(Buffer.from(text)).entries.map((e) => e.seq), [1, 2, 3, next.seq]);
});

test('fail/a full outbox refuses new messages with OUTBOX_FULL and keeps the unacknowledged ones', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir, maxPending: 3 });
  for (let i = 0; i < 3; i++) await outbox.append(payload);
  await assert.rejects(outbox.append(payload), (e: unknown) => e instanceof DeviceSdkError && e.code === 'OUTBOX_FULL');
  assert.deepEqual(outbox.unacknowledged().map((e) => e.seq), [1, 2, 3]);
  outbox.ack(1);
  const next = await outbox.append(payload);
  assert.ok(next.seq > 3);
  await outbox.close();
});

test('fail/a message above maxBytes is refused with OUTBOX_FULL', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir, maxBytes: 100 });
  await assert.rejects(outbox.append(() => 'x'.repeat(101)), (e: unknown) => e instanceof DeviceSdkError && e.code === 'OUTBOX_FULL');
  await outbox.close();
});

test('fail/a second process cannot open an outbox in use', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir });
  const { writeFile } = await import('node:fs/promises');
  // PID 1 is alive on every Unix system and is not us.
  await writeFile(join(dir, 'lock'), '1\n');
  await assert.rejects(Outbox.open({ dir }), (e: unknown) => e instanceof DeviceSdkError && e.code === 'STATE_INVALID');
  await outbox.close();
});

test('ok/compaction keeps exactly the unacknowledged messages (property)', async (t) => {
  const dir = await tempDir(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), async (ackPattern) => {
      const runDir = `${dir}-${run++}`;
      const outbox = await Outbox.open({ dir: runDir, compactBytes: 512 });
      const seqs: number[] = [];
      for (const _ of ackPattern) seqs.push((await outbox.append(payload)).seq);
      ackPattern.forEach((ack, i) => {
        if (ack) outbox.ack(seqs[i] as number);
      });
      // More appends trigger compaction with acks pending in the journal.
      const extra = (await outbox.append(payload)).seq;
      await outbox.close();
      const reopened = await Outbox.open({ dir: runDir });
      const expected = [...seqs.filter((_, i) => !ackPattern[i]), extra];
      assert.deepEqual(reopened.unacknowledged().map((e) => e.seq), expected);
      assert.deepEqual(reopened.unacknowledged().map((e) => e.payload), expected.map(payload));
      await reopened.close();
      await rm(runDir, { recursive: true, force: true });
    }),
    { numRuns: 25 },
  );
});

test('fail/the bound counts messages still being written (no overshoot under a burst)', async (t) => {
  const dir = await tempDir(t);
  const outbox = await Outbox.open({ dir, maxPending: 100 });
  const results = await Promise.allSettled(Array.from({ length: 150 }, () => outbox.append(payload)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 100);
  assert.ok(results.slice(100).every((r) => r.status === 'rejected' && r.reason instanceof DeviceSdkError && r.reason.code === 'OUTBOX_FULL'));
  assert.equal(outbox.pending, 100);
  await outbox.close();
});
