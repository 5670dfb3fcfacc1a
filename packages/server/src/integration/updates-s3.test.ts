/**
 * Firmware images on S3-compatible storage (s3rver on loopback): content-addressed objects, a
 * fresh data directory served from the bucket, and a modified object in the bucket refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { ArtifactStore } from '../updates/artifact-store.js';
import { S3ImageRemote } from '../updates/artifact-s3.js';
import { imageBytes, streamOf } from '../updates/testing/release-fixtures.js';

async function readAll(store: ArtifactStore, sha256: string, range?: { start: number; end: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(sha256, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('updates: images on S3', { timeout: 60_000 }, () => {
  let server: S3rver;
  let root: string;
  let client: S3Client;
  let remote: S3ImageRemote;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-images-s3-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(root, 's3'), configureBuckets: [{ name: 'vigil-backups', configs: [] }] });
    const { port } = await server.run();
    client = new S3Client({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    remote = new S3ImageRemote(client, 'vigil-backups', 'site-a');
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  test('ok/an upload lands in the bucket under its SHA-256; a fresh data directory serves it (ranges too) from there', async () => {
    const bytes = imageBytes(300_000, 7);
    const first = new ArtifactStore(join(root, 'data-1'), remote);
    const stored = await first.put(streamOf(bytes), 1 << 20);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'vigil-backups', Key: `site-a/firmware/sha256/${stored.sha256}` }));
    assert.equal(head.ContentLength, bytes.length);
    await first.put(streamOf(bytes), 1 << 20); // the same image again: no error, same object
    const second = new ArtifactStore(join(root, 'data-2'), remote);
    assert.equal(await second.size(stored.sha256), bytes.length);
    assert.deepEqual(await readAll(second, stored.sha256), bytes);
    assert.deepEqual(await readAll(second, stored.sha256, { start: 1000, end: 1999 }), bytes.subarray(1000, 2000));
    assert.equal(await second.size('0'.repeat(64)), undefined, 'an unknown image is not found');
  });

  test('fail/a modified object in the bucket is refused and not cached; an oversized upload leaves no object', async () => {
    const bytes = imageBytes(50_000, 9);
    const stored = await new ArtifactStore(join(root, 'data-3'), remote).put(streamOf(bytes), 1 << 20);
    await client.send(new PutObjectCommand({ Bucket: 'vigil-backups', Key: `site-a/firmware/sha256/${stored.sha256}`, Body: imageBytes(50_000, 10) }));
    const fresh = new ArtifactStore(join(root, 'data-4'), remote);
    await assert.rejects(fresh.size(stored.sha256), { code: 'UPDATES_IMAGE_NOT_FOUND' });
    const local = new ArtifactStore(join(root, 'data-4'));
    assert.equal(await local.size(stored.sha256), undefined, 'nothing was cached');

    const big = imageBytes(4096, 11);
    await assert.rejects(fresh.put(streamOf(big, 1024), 2048), { code: 'UPDATES_IMAGE_TOO_LARGE' });
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(big).digest('hex');
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket: 'vigil-backups', Key: `site-a/firmware/sha256/${sha}` })), 'no object for a refused upload');
  });
});
