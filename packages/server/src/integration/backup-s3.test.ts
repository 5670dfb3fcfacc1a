/**
 * S3 targets: real I/O against s3rver on loopback (puts, gets, lists; no versioning or locks), and
 * the Object Lock, multipart-abort and version-specific prune behaviour asserted on the requests
 * the SDK sends (aws-sdk-client-mock). An opt-in run against a real bucket when
 * VIGIL_TEST_S3_BUCKET is set (with the usual AWS_* credentials).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import S3rver from 's3rver';
import { backupIdTime, decideRetention, LocalDirectoryTarget, readManifest, restoreBackup, S3Target } from '../backup/index.js';
import { readAll } from '../backup/target.js';
import { wireBackup } from '../composition/backup.js';
import { isAppError, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 's3-test', source: 'local' };
const NOW = new Date('2026-12-06T10:00:00.000Z');
const ID = '20261206T100000Z-abc123';

function mocked(objectLock: 'compliance' | 'off' = 'compliance') {
  const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  const target = new S3Target({ client, bucket: 'backups', prefix: 'vigil', objectLock, initialLockDays: 2, now: () => NOW, partSize: 5 * 1024 * 1024 });
  return { client, mock, target };
}

function serverError(): S3ServiceException {
  return new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'We encountered an internal error. Please try again.' });
}

describe('s3/requests the SDK sends (mocked)', () => {
  test('ok/a multipart upload a crashed run left behind is aborted by the next run; a live one and keys outside the prefix are left alone', async () => {
    const { mock, target } = mocked();
    const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
    mock.on(ListMultipartUploadsCommand).resolves({
      Uploads: [
        { Key: `vigil/${ID}/database.sqlite.age`, UploadId: 'crashed', Initiated: hoursAgo(5) },
        { Key: `vigil/${ID}/keys.json.age`, UploadId: 'live', Initiated: hoursAgo(0.5) },
        { Key: 'vigil/not-a-backup/x', UploadId: 'foreign', Initiated: hoursAgo(9) },
        { Key: `vigilant/${ID}/database.sqlite.age`, UploadId: 'other-prefix', Initiated: hoursAgo(9) },
      ],
    });
    mock.on(AbortMultipartUploadCommand).resolves({});
    assert.equal(await target.abortStaleUploads(hoursAgo(2)), 1);
    const aborted = mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input);
    assert.deepEqual(aborted, [{ Bucket: 'backups', Key: `vigil/${ID}/database.sqlite.age`, UploadId: 'crashed' }]);
    assert.equal(mock.commandCalls(ListMultipartUploadsCommand)[0]?.args[0].input.Prefix, 'vigil/');
  });

  test('fail/a failing listing of uploads is BACKUP_TARGET_FAILED (the backup goes on; the next run tries again)', async () => {
    const { mock, target } = mocked();
    mock.on(ListMultipartUploadsCommand).rejects(serverError());
    await assert.rejects(target.abortStaleUploads(NOW), (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED');
  });

  test('ok/a small part is uploaded with a compliance-mode lock until now + 2 days', async () => {
    const { mock, target } = mocked();
    mock.on(PutObjectCommand).resolves({});
    await target.put(`${ID}/keys.json.age`, Readable.from([Buffer.from('x')]));
    const input = mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    assert.equal(input?.Bucket, 'backups');
    assert.equal(input?.Key, `vigil/${ID}/keys.json.age`);
    assert.equal(input?.ObjectLockMode, 'COMPLIANCE');
    assert.equal(input?.ObjectLockRetainUntilDate?.toISOString(), '2026-12-08T10:00:00.000Z');
  });

  test('ok/without Object Lock no lock parameters are sent', async () => {
    const { mock, target } = mocked('off');
    mock.on(PutObjectCommand).resolves({});
    await target.put(`${ID}/keys.json.age`, Readable.from([Buffer.from('x')]));
    const input = mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    assert.equal(input?.ObjectLockMode, undefined);
  });

  test('ok/a large part goes multipart, locked at creation', async () => {
    const { mock, target } = mocked();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
    mock.on(CompleteMultipartUploadCommand).resolves({});
    await target.put(`${ID}/database.sqlite.age`, Readable.from([Buffer.alloc(11 * 1024 * 1024, 1)]));
    const create = mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input;
    assert.equal(create?.ObjectLockMode, 'COMPLIANCE');
    assert.ok(mock.commandCalls(UploadPartCommand).length >= 3);
    assert.equal(mock.commandCalls(CompleteMultipartUploadCommand).length, 1);
  });

  test('fail/a multipart upload failing with S3 500 is aborted: nothing looks complete', async () => {
    const { mock, target } = mocked();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u2' });
    mock.on(UploadPartCommand).rejects(serverError());
    mock.on(AbortMultipartUploadCommand).resolves({});
    await assert.rejects(target.put(`${ID}/database.sqlite.age`, Readable.from([Buffer.alloc(11 * 1024 * 1024, 1)])), (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED');
    assert.equal(mock.commandCalls(CompleteMultipartUploadCommand).length, 0);
    assert.equal(mock.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input.UploadId, 'u2');
  });

  test('ok/prune deletes specific versions and delete markers, the manifest first', async () => {
    const { mock, target } = mocked();
    mock.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: `vigil/${ID}/database.sqlite.age`, VersionId: 'v1' },
        { Key: `vigil/${ID}/manifest.json`, VersionId: 'v2' },
      ],
      DeleteMarkers: [{ Key: `vigil/${ID}/keys.json.age`, VersionId: 'd1' }],
    });
    mock.on(DeleteObjectCommand).resolves({});
    await target.removeBackup(ID);
    const deleted = mock.commandCalls(DeleteObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.VersionId]);
    assert.deepEqual(deleted[0], [`vigil/${ID}/manifest.json`, 'v2']);
    assert.deepEqual(new Set(deleted.map((d) => d[1])), new Set(['v1', 'v2', 'd1']));
  });

  test('ok/promotion extends the lock of every version of the backup', async () => {
    const { mock, target } = mocked();
    mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: `vigil/${ID}/a.age`, VersionId: 'v1' }, { Key: `vigil/${ID}/manifest.json`, VersionId: 'v2' }] });
    mock.on(PutObjectRetentionCommand).resolves({});
    const until = new Date('2027-12-07T10:00:00.000Z');
    await target.extendRetention(ID, until);
    const calls = mock.commandCalls(PutObjectRetentionCommand).map((c) => c.args[0].input);
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.equal(call.Retention?.Mode, 'COMPLIANCE');
      assert.equal(call.Retention?.RetainUntilDate?.toISOString(), until.toISOString());
    }
    assert.deepEqual(calls.map((c) => c.VersionId).sort(), ['v1', 'v2']);
  });

  test('fail/a locked version refuses deletion: prune reports it and deletes nothing else after', async () => {
    const { mock, target } = mocked();
    mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: `vigil/${ID}/manifest.json`, VersionId: 'v2' }] });
    mock.on(DeleteObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied because object protected by object lock.' }));
    await assert.rejects(target.removeBackup(ID), (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED' && /object lock/.test(e.detail ?? ''));
  });
});

describe('s3/through the backup service', () => {
  let server: S3rver;
  let s3dir: string;
  let endpoint: string;
  let f: BackupFixture;
  let s3: S3Target;

  before(async () => {
    s3dir = await mkdtemp(join(tmpdir(), 'vigil-s3rver-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'vigil-backups', configs: [] }] });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    s3 = new S3Target({ client, bucket: 'vigil-backups', prefix: 'site-a/', objectLock: 'off', initialLockDays: 2, now: () => new Date(), partSize: 5 * 1024 * 1024 });
    f = await makeBackupFixture({ targets: (root) => [new LocalDirectoryTarget(join(root, 'target')), s3] });
  });
  after(async () => {
    await f.dispose();
    await server.close();
    await rm(s3dir, { recursive: true, force: true });
  });

  test('ok/a backup goes to a local directory and to S3 at once; the S3 copy verifies and restores', async () => {
    const result = await f.service.create(ctx);
    assert.deepEqual(result.outcomes.map((o) => [o.target.slice(0, 3), o.ok]), [['loc', true], ['s3:', true]]);
    assert.deepEqual(await s3.listBackups(), [result.id]);
    const report = await f.service.verify(ctx, f.recoveryKey, { backupId: result.id, target: s3.name });
    assert.equal(report.ok, true, report.reason);
    const dataDir = join(f.root, 'from-s3');
    await restoreBackup(f.restoreDeps(f.recoveryKey, s3), result.id, { dataDir, dryRun: false });
  });

  test('ok/the S3 copy of the database part is the very ciphertext the directory target holds (the resumable upload reads it back)', async () => {
    const result = await f.service.create(ctx);
    const local = new LocalDirectoryTarget(join(f.root, 'target'));
    const [fromLocal, fromS3] = await Promise.all([readManifest(local, result.id), readManifest(s3, result.id)]);
    const db = (m: typeof fromLocal) => m.manifest.parts.find((p) => p.name.startsWith('database.'));
    assert.equal(db(fromS3)?.cipherSha256, db(fromLocal)?.cipherSha256);
    const bytes = async (t: { get(key: string): Promise<Readable> }) => createHash('sha256').update(await readAll(await t.get(`${result.id}/${db(fromS3)?.name ?? ''}`), 1 << 30)).digest('hex');
    assert.equal(await bytes(s3), db(fromLocal)?.cipherSha256);
  });

  test('ok/S3 as the only target: the ciphertext is staged in the data directory, uploaded, verified, and the staging copy removed', async () => {
    const only = await wireBackup(f.platform, { env: {}, targets: [s3] });
    const result = await only.create(ctx);
    assert.equal(result.outcomes[0]?.ok, true, result.outcomes[0]?.error);
    assert.deepEqual(await readdir(join(f.platform.dataDir, 'backup-staging')), []);
    const report = await only.verify(ctx, f.recoveryKey, { backupId: result.id });
    assert.equal(report.ok, true, report.reason);
  });

  test('ok/a 12 MiB file goes to s3rver in 5 MiB multipart parts and reads back byte for byte', async () => {
    const file = join(s3dir, '..', `vigil-s3-mp-${process.pid}.bin`);
    const content = randomBytes(12 * 1024 * 1024 + 7);
    await writeFile(file, content);
    try {
      const key = '20261206T100000Z-mpart1/database.sqlite.age';
      await s3.putFile(key, file);
      const back = await readAll(await s3.get(key), 64 * 1024 * 1024);
      assert.equal(back.length, content.length);
      assert.ok(back.equals(content));
    } finally {
      await rm(file, { force: true });
    }
  });

  test('ok/s3rver: part 2 fails once, the next round sends part 2 alone to the same upload, and the object reads back byte for byte', async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const sent: number[] = [];
    let failed = false;
    // Before the SDK's retries (initialize step): the round fails as if every retry had.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') {
          const n = (args.input as { PartNumber: number }).PartNumber;
          sent.push(n);
          if (n === 2 && !failed) {
            failed = true;
            throw new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'injected' });
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'failPartTwoOnce' },
    );
    const rounds: number[] = [];
    const target = new S3Target({ client, bucket: 'vigil-backups', prefix: 'site-a/', objectLock: 'off', initialLockDays: 2, now: () => new Date(), partSize: 5 * 1024 * 1024, resumeDelayMs: 1, onResume: (_k, round) => rounds.push(round) });
    const file = join(s3dir, '..', `vigil-s3-resume-${process.pid}.bin`);
    const content = randomBytes(12 * 1024 * 1024 + 7);
    await writeFile(file, content);
    try {
      const key = '20261206T100000Z-resum1/database.sqlite.age';
      await target.putFile(key, file);
      assert.deepEqual(rounds, [1]);
      assert.deepEqual([...sent].sort(), [1, 2, 2, 3], 'parts 1 and 3 once, part 2 again');
      const back = await readAll(await target.get(key), 64 * 1024 * 1024);
      assert.ok(back.equals(content));
    } finally {
      await rm(file, { force: true });
    }
  });

  test('ok/prune removes released backups from S3 (no versioning on s3rver: current objects)', async () => {
    await f.platform.withAuditStore((store) => f.platform.auditLog.checkpointIfDue(store, true));
    f.clock.advance(2 * 3600_000);
    await f.service.create(ctx);
    const before = await s3.listBackups();
    assert.equal(before.length, 4);
    const decision = decideRetention(before.map((id) => ({ id, at: backupIdTime(id) })), { hourly: 1, daily: 0, weekly: 0, monthly: 0 });
    assert.deepEqual(decision.prune, before.slice(0, 3));
    for (const id of decision.prune) await s3.removeBackup(id);
    assert.deepEqual(await s3.listBackups(), before.slice(3));
  });

  test('fail/S3 answering 500 on every upload: the local target still gets the backup, the S3 failure is alerted and audited', async () => {
    const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const mock = mockClient(client);
    mock.on(PutObjectCommand).rejects(serverError());
    mock.on(CreateMultipartUploadCommand).rejects(serverError());
    mock.on(ListObjectVersionsCommand).resolves({});
    const failing = new S3Target({ client, bucket: 'b', prefix: '', objectLock: 'compliance', initialLockDays: 2, now: () => new Date(), partSize: 5 * 1024 * 1024 });
    const service = await wireBackup(f.platform, { env: {}, targets: [new LocalDirectoryTarget(join(f.root, 'target')), failing] });
    const before = await new LocalDirectoryTarget(join(f.root, 'target')).listBackups();
    const result = await service.create(ctx);
    assert.deepEqual(result.outcomes.map((o) => o.ok), [true, false]);
    assert.match(result.outcomes[1]?.error ?? '', /internal error/i);
    await f.platform.security.alerts.flush();
    assert.ok(f.alerts.some((a) => a.detector === 'backup-failure' && a.summary.includes('s3:b/')));
    const after = await new LocalDirectoryTarget(join(f.root, 'target')).listBackups();
    for (const id of before) assert.ok(after.includes(id), `${id} is intact`);
    assert.equal(after.length, before.length + 1);
  });
});

const realBucket = process.env['VIGIL_TEST_S3_BUCKET'];
describe('s3/real bucket (opt-in: VIGIL_TEST_S3_BUCKET)', { skip: realBucket === undefined ? 'VIGIL_TEST_S3_BUCKET is not set' : false }, () => {
  test('ok/a backup round-trips through the real bucket', async () => {
    const client = new S3Client({ region: process.env['AWS_REGION'] ?? 'us-east-1' });
    const target = new S3Target({ client, bucket: realBucket ?? '', prefix: `vigil-test-${Date.now()}/`, objectLock: 'off', initialLockDays: 1, now: () => new Date() });
    const f = await makeBackupFixture({ targets: () => [target] });
    try {
      const result = await f.service.create(ctx);
      assert.equal(result.outcomes[0]?.ok, true, result.outcomes[0]?.error);
      const report = await f.service.verify(ctx, f.recoveryKey, { backupId: result.id });
      assert.equal(report.ok, true, report.reason);
      await target.removeBackup(result.id);
    } finally {
      await f.dispose();
    }
  });
});
