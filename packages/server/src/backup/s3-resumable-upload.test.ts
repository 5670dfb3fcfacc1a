/**
 * Resumable multipart uploads (S3Target.putFile), asserted on the requests the SDK sends
 * (aws-sdk-client-mock) against a small in-memory multipart store: a failure in the middle of the
 * parts, a lost CompleteMultipartUpload answer, a part S3 holds with the wrong ETag, giving up.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { isAppError } from '../kernel/index.js';
import { S3Target } from './s3-target.js';

const MiB = 1024 * 1024;
const ID = '20261206T100000Z-abc123';
const KEY = `${ID}/database.sqlite.age`;
const NOW = new Date('2026-12-06T10:00:00.000Z');

let dir: string;
let file: string;
let content: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-s3-resume-'));
  file = join(dir, 'database.sqlite.age');
  content = randomBytes(12 * MiB + 1234); // three 5 MiB parts: 5, 5, 2 MiB + 1234 bytes
  await writeFile(file, content);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} (test)` });
}

/** A multipart store: parts per upload, completed objects; `failPart` decides which UploadPart calls fail. */
function fakeS3(options: { objectLock?: 'compliance' | 'off'; failPart?: (partNumber: number, call: number) => boolean; badEtag?: (partNumber: number, call: number) => boolean; loseCompleteAnswer?: boolean; onSleep?: (uploads: Map<string, Map<number, Buffer>>) => void } = {}) {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  const uploads = new Map<string, Map<number, Buffer>>();
  const objects = new Map<string, Buffer>();
  const calls = new Map<number, number>();
  let next = 0;
  mock.on(CreateMultipartUploadCommand).callsFake(() => {
    next += 1;
    const id = `upload-${next}`;
    uploads.set(id, new Map());
    return { UploadId: id };
  });
  mock.on(UploadPartCommand).callsFake((input: { UploadId: string; PartNumber: number; Body: Buffer }) => {
    const n = input.PartNumber;
    const call = (calls.get(n) ?? 0) + 1;
    calls.set(n, call);
    if (options.failPart?.(n, call) === true) throw s3Error('InternalError', 500);
    const parts = uploads.get(input.UploadId);
    if (parts === undefined) throw s3Error('NoSuchUpload', 404);
    parts.set(n, Buffer.from(input.Body));
    return { ETag: `"${options.badEtag?.(n, call) === true ? md5(Buffer.from('something else')) : md5(input.Body)}"` };
  });
  mock.on(ListPartsCommand).callsFake((input: { UploadId: string }) => {
    const parts = uploads.get(input.UploadId);
    if (parts === undefined) throw s3Error('NoSuchUpload', 404);
    return { Parts: [...parts].map(([n, b]) => ({ PartNumber: n, Size: b.length, ETag: `"${md5(b)}"` })) };
  });
  let completes = 0;
  mock.on(CompleteMultipartUploadCommand).callsFake((input: { UploadId: string; Key: string; MultipartUpload: { Parts: Array<{ PartNumber: number; ETag: string }> } }) => {
    completes += 1;
    const parts = uploads.get(input.UploadId);
    if (parts === undefined) throw s3Error('NoSuchUpload', 404);
    const listed = input.MultipartUpload.Parts;
    for (const p of listed) if (p.ETag.replace(/"/g, '') !== md5(parts.get(p.PartNumber) ?? Buffer.alloc(0))) throw s3Error('InvalidPart', 400);
    objects.set(input.Key, Buffer.concat(listed.map((p) => parts.get(p.PartNumber) ?? Buffer.alloc(0))));
    uploads.delete(input.UploadId);
    if (options.loseCompleteAnswer === true && completes === 1) throw s3Error('InternalError', 500);
    return {};
  });
  mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const o = objects.get(input.Key);
    if (o === undefined) throw s3Error('NotFound', 404);
    return { ContentLength: o.length };
  });
  mock.on(AbortMultipartUploadCommand).callsFake((input: { UploadId: string }) => {
    uploads.delete(input.UploadId);
    return {};
  });
  mock.on(PutObjectCommand).resolves({});
  const resumed: Array<{ round: number; message: string }> = [];
  const sleeps: number[] = [];
  const target = new S3Target({
    client,
    bucket: 'backups',
    prefix: 'vigil',
    objectLock: options.objectLock ?? 'compliance',
    initialLockDays: 2,
    now: () => NOW,
    partSize: 5 * MiB,
    resumeAttempts: 3,
    resumeDelayMs: 1000,
    sleep: (ms) => {
      sleeps.push(ms);
      options.onSleep?.(uploads);
      return Promise.resolve();
    },
    onResume: (_key, round, error) => resumed.push({ round, message: error instanceof Error ? error.message : String(error) }),
  });
  return { client, mock, target, uploads, objects, resumed, sleeps };
}

const partNumbers = (mock: ReturnType<typeof fakeS3>['mock']) => mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber);

describe('s3/resumable multipart upload (mocked)', () => {
  test('ok/a file goes up in 5 MiB parts, locked at creation; the assembled object is the file', async () => {
    const s3 = fakeS3();
    await s3.target.putFile(KEY, file);
    const create = s3.mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input;
    assert.equal(create?.Key, `vigil/${KEY}`);
    assert.equal(create?.ObjectLockMode, 'COMPLIANCE');
    assert.equal(create?.ObjectLockRetainUntilDate?.toISOString(), '2026-12-08T10:00:00.000Z');
    assert.deepEqual([...partNumbers(s3.mock)].sort(), [1, 2, 3]);
    const complete = s3.mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    assert.deepEqual(complete?.MultipartUpload?.Parts?.map((p) => p.PartNumber), [1, 2, 3]);
    assert.equal(sha256(s3.objects.get(`vigil/${KEY}`) ?? Buffer.alloc(0)), sha256(content));
    assert.equal(s3.mock.commandCalls(ListPartsCommand).length, 0);
    assert.equal(s3.mock.commandCalls(AbortMultipartUploadCommand).length, 0);
  });

  test('ok/without Object Lock the upload carries no lock parameters', async () => {
    const s3 = fakeS3({ objectLock: 'off' });
    await s3.target.putFile(KEY, file);
    const create = s3.mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input;
    assert.equal(create?.ObjectLockMode, undefined);
    assert.equal(create?.ObjectLockRetainUntilDate, undefined);
  });

  test('ok/S3 failing part 2 (500, every SDK retry): the next round lists the parts and sends only part 2, in the same upload', async () => {
    const s3 = fakeS3({ failPart: (n, call) => n === 2 && call === 1 });
    await s3.target.putFile(KEY, file);
    const sent = partNumbers(s3.mock);
    assert.equal(sent.filter((n) => n === 1).length, 1, 'part 1 is sent once');
    assert.equal(sent.filter((n) => n === 3).length, 1, 'part 3 is sent once');
    assert.equal(sent.filter((n) => n === 2).length, 2, 'part 2 is sent again');
    assert.equal(s3.mock.commandCalls(CreateMultipartUploadCommand).length, 1, 'no new upload: resumed');
    assert.equal(s3.mock.commandCalls(ListPartsCommand)[0]?.args[0].input.UploadId, 'upload-1');
    assert.deepEqual(s3.resumed.map((r) => r.round), [1]);
    assert.deepEqual(s3.sleeps, [1000]);
    assert.equal(sha256(s3.objects.get(`vigil/${KEY}`) ?? Buffer.alloc(0)), sha256(content), 'the assembled object is the file');
  });

  test('ok/a part S3 holds with an ETag that is not what was sent is sent again', async () => {
    const s3 = fakeS3({ badEtag: (n, call) => n === 3 && call === 1 });
    await s3.target.putFile(KEY, file);
    const sent = partNumbers(s3.mock);
    assert.equal(sent.filter((n) => n === 3).length, 2);
    assert.equal(sent.filter((n) => n === 1).length, 1);
    assert.match(s3.resumed[0]?.message ?? '', /part 3: the store's ETag .* is not the MD5/);
    assert.equal(sha256(s3.objects.get(`vigil/${KEY}`) ?? Buffer.alloc(0)), sha256(content));
  });

  test('ok/a CompleteMultipartUpload whose answer was lost: the object is there with the right size, nothing is sent again', async () => {
    const s3 = fakeS3({ loseCompleteAnswer: true });
    await s3.target.putFile(KEY, file);
    assert.equal(s3.mock.commandCalls(CreateMultipartUploadCommand).length, 1);
    assert.equal(partNumbers(s3.mock).length, 3);
    assert.equal(s3.mock.commandCalls(CompleteMultipartUploadCommand).length, 1);
    assert.equal(s3.mock.commandCalls(AbortMultipartUploadCommand).length, 0);
  });

  test('fail/S3 failing part 2 on every round: the upload is aborted, never completed, and the error names the target', async () => {
    const s3 = fakeS3({ failPart: (n) => n === 2 });
    await assert.rejects(s3.target.putFile(KEY, file), (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED' && /vigil\/.*cannot upload.*InternalError/.test(e.detail ?? ''));
    assert.equal(s3.mock.commandCalls(CompleteMultipartUploadCommand).length, 0);
    assert.deepEqual(s3.mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId), ['upload-1']);
    assert.equal(s3.uploads.size, 0, 'no part lingers');
    assert.equal(s3.objects.size, 0, 'no object looks complete');
    assert.deepEqual(s3.sleeps, [1000, 2000]);
    // Parts 1 and 3 went up once: later rounds only retried the missing part.
    assert.equal(partNumbers(s3.mock).filter((n) => n === 1).length, 1);
  });

  test('ok/an upload aborted elsewhere between rounds: a new upload is started and every part is sent to it', async () => {
    const s3 = fakeS3({ failPart: (n, call) => n === 2 && call === 1, onSleep: (uploads) => uploads.clear() });
    await s3.target.putFile(KEY, file);
    assert.deepEqual(s3.mock.commandCalls(CompleteMultipartUploadCommand).map((c) => c.args[0].input.UploadId), ['upload-2']);
    assert.match(s3.resumed[1]?.message ?? '', /disappeared/);
    assert.equal(sha256(s3.objects.get(`vigil/${KEY}`) ?? Buffer.alloc(0)), sha256(content));
  });

  test('fail/a target that timed out (signal aborted mid-upload): no further part, no Complete, the upload is aborted', async () => {
    const timedOut = new AbortController();
    // The first UploadPart to reach the store times the target out. Two parts go at a time: the
    // other one may already be on its way (it passed its check before the abort), but no part
    // may start after it. (Which part arrives first depends on the file reads: not fixed.)
    let callsAtAbort = 0;
    let calls = 0;
    const s3 = fakeS3({ failPart: () => {
      calls += 1;
      if (!timedOut.signal.aborted) {
        callsAtAbort = calls;
        timedOut.abort(new Error('the target timed out after 10 ms'));
      }
      return false;
    } });
    await assert.rejects(s3.target.putFile(KEY, file, timedOut.signal), (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED' && /timed out/.test(e.detail ?? ''));
    assert.equal(s3.mock.commandCalls(CompleteMultipartUploadCommand).length, 0);
    assert.ok(partNumbers(s3.mock).length <= callsAtAbort + 1, `no part started after the abort (${partNumbers(s3.mock).join(', ')} sent; the abort came at call ${callsAtAbort})`);
    assert.deepEqual(s3.mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId), ['upload-1']);
    assert.equal(s3.objects.size, 0);
  });

  test('ok/a file smaller than one part is one PutObject with the lock', async () => {
    const s3 = fakeS3();
    const small = join(dir, 'small.age');
    await writeFile(small, Buffer.from('small'));
    await s3.target.putFile(`${ID}/keys.json.age`, small);
    assert.equal(s3.mock.commandCalls(CreateMultipartUploadCommand).length, 0);
    assert.equal(s3.mock.commandCalls(PutObjectCommand)[0]?.args[0].input.ObjectLockMode, 'COMPLIANCE');
  });
});
