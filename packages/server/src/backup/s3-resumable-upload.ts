/**
 * A resumable multipart upload of a file whose bytes do not change (the encrypted database part,
 * written once: to a local target of the same backup, or to a staging file). Used by S3Target.putFile.
 *
 *   CreateMultipartUpload (Object Lock parameters here, as for any object)
 *   UploadPart 1..n (two at a time), each part's MD5 and size recorded with its ETag
 *   on a failure: wait, ListParts, keep the parts whose size and ETag match what was sent,
 *                 upload only the missing (or mismatching) ones; up to `attempts` rounds
 *                 (a store without ListParts: the parts it acknowledged are kept)
 *   CompleteMultipartUpload with every part, then HeadObject: the object has the file's size
 *   when giving up: AbortMultipartUpload
 *
 * MUST: no object exists under the key until CompleteMultipartUpload (S3 shows only completed
 *       uploads); a failed upload is aborted, and one a crashed process left behind is aborted by
 *       the next backup (S3Target.abortStaleUploads). The backup is listed only by its manifest,
 *       written after every part.
 * MUST: a part is accepted on upload only when its ETag is the MD5 of the slice sent (where ETags
 *       are MD5s: not under SSE-KMS/SSE-C, where S3's check of the CRC32 checksum sent stands);
 *       on resume, a part ListParts reports is kept only with the size, ETag and CRC32 recorded
 *       when it was uploaded; any other is uploaded again (same part number: it replaces it).
 * MUST: memory is bounded by two parts (partSize, default 16 MiB), whatever the file size.
 */
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
  type CompletedPart,
  type ObjectLockMode,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3 allows at most 10,000 parts of at least 5 MiB (the last one may be smaller). */
const MAX_PARTS = 10_000;
const MIN_PART = 5 * 1024 * 1024;

export interface ResumableUploadOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The full object key (prefix included). */
  readonly key: string;
  readonly file: string;
  readonly lock?: { readonly mode: ObjectLockMode; readonly until: Date } | undefined;
  readonly partSize: number;
  /** Rounds of upload before giving up (the SDK retries each request too). */
  readonly attempts: number;
  /** Delay before round n (n ≥ 2): delayMs * 2^(n-2). */
  readonly delayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each round that failed (the resume log: tests and diagnostics). */
  readonly onRoundFailed?: (round: number, error: unknown) => void;
  /** Aborted (the target timed out): no further part or round, no Complete; the upload is aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** What is known of the upload: its id and, per part number, what was sent and what S3 answered. */
export interface UploadState {
  uploadId: string | undefined;
  readonly partSize: number;
  readonly partCount: number;
  readonly parts: Map<number, { size: number; md5: string; etag: string; checksumCRC32?: string | undefined }>;
}

/** Uploads `file` to `key`; resolves once the object is complete and has the file's size. */
export async function resumableUpload(o: ResumableUploadOptions): Promise<UploadState> {
  const size = (await stat(o.file)).size;
  const partSize = Math.max(o.partSize, MIN_PART, Math.ceil(size / MAX_PARTS));
  const state: UploadState = { uploadId: undefined, partSize, partCount: Math.max(1, Math.ceil(size / partSize)), parts: new Map() };
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  const handle = await open(o.file, 'r');
  let lastError: unknown;
  try {
    for (let round = 1; round <= o.attempts; round += 1) {
      if (round > 1) await sleep(o.delayMs * 2 ** (round - 2));
      if (aborted(o.signal)) {
        lastError = stopped(o.signal);
        break;
      }
      try {
        if (state.uploadId === undefined) {
          const created = await o.client.send(
            new CreateMultipartUploadCommand({
              Bucket: o.bucket,
              Key: o.key,
              ChecksumAlgorithm: ChecksumAlgorithm.CRC32,
              ...(o.lock ? { ObjectLockMode: o.lock.mode, ObjectLockRetainUntilDate: o.lock.until } : {}),
            }),
          );
          if (created.UploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
          state.uploadId = created.UploadId;
        } else {
          const gone = await reconcile(o, state);
          if (gone) {
            // The upload no longer exists: completed by the last round (its answer was lost), or aborted by someone.
            if (await isComplete(o, size)) return state;
            state.uploadId = undefined;
            state.parts.clear();
            throw new Error('the multipart upload disappeared (aborted elsewhere); starting a new one');
          }
        }
        await uploadMissing(o, state, handle, size);
        if (aborted(o.signal)) throw stopped(o.signal);
        await complete(o, state);
        if (!(await isComplete(o, size))) throw new Error(`the completed object does not have the file's size (${size} bytes)`);
        return state;
      } catch (error) {
        lastError = error;
        o.onRoundFailed?.(round, error);
      }
    }
  } finally {
    await handle.close();
  }
  if (state.uploadId !== undefined) {
    // Giving up: abort, so no part lingers; if even that fails, the next backup's abortStaleUploads does it.
    try {
      await o.client.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: state.uploadId }));
    } catch {
      // left for abortStaleUploads
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** ListParts: keeps the recorded parts S3 holds with the right size and ETag, forgets the others. True when the upload is gone. */
async function reconcile(o: ResumableUploadOptions, state: UploadState): Promise<boolean> {
  const held = new Map<number, { size: number; etag: string; checksumCRC32?: string | undefined }>();
  let marker: string | undefined;
  try {
    do {
      const page = await o.client.send(new ListPartsCommand({ Bucket: o.bucket, Key: o.key, UploadId: state.uploadId, PartNumberMarker: marker }));
      for (const p of page.Parts ?? []) {
        if (p.PartNumber !== undefined && p.ETag !== undefined) held.set(p.PartNumber, { size: p.Size ?? -1, etag: p.ETag, checksumCRC32: p.ChecksumCRC32 });
      }
      marker = page.IsTruncated === true ? page.NextPartNumberMarker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if (nameOf(error) === 'NoSuchUpload') return true;
    // A store without ListParts (s3rver, some S3-compatible servers): the parts it acknowledged
    // with an ETag are kept; CompleteMultipartUpload checks each ETag against what it holds.
    if (nameOf(error) === 'MethodNotAllowed' || nameOf(error) === 'NotImplemented') return false;
    throw error;
  }
  for (const [n, sent] of [...state.parts]) {
    const h = held.get(n);
    // Kept only when S3 holds it with the size sent and the ETag (and CRC32) S3 answered for it.
    const same = h !== undefined && h.size === sent.size && bare(h.etag) === bare(sent.etag) && (h.checksumCRC32 === undefined || sent.checksumCRC32 === undefined || h.checksumCRC32 === sent.checksumCRC32);
    if (!same) state.parts.delete(n);
  }
  return false;
}

async function uploadMissing(o: ResumableUploadOptions, state: UploadState, handle: FileHandle, size: number): Promise<void> {
  const missing: number[] = [];
  for (let n = 1; n <= state.partCount; n += 1) if (!state.parts.has(n)) missing.push(n);
  const worker = async () => {
    for (let n = missing.shift(); n !== undefined; n = missing.shift()) {
      if (aborted(o.signal)) throw stopped(o.signal);
      const start = (n - 1) * state.partSize;
      const length = Math.min(state.partSize, size - start);
      const body = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(body, 0, length, start);
      if (bytesRead !== length) throw new Error(`short read of part ${n} (${bytesRead} of ${length} bytes): the file changed`);
      const md5 = createHash('md5').update(body).digest('hex');
      const answer = await o.client.send(
        new UploadPartCommand({ Bucket: o.bucket, Key: o.key, UploadId: state.uploadId, PartNumber: n, Body: body, ContentLength: length }),
        o.signal ? { abortSignal: o.signal } : {},
      );
      if (answer.ETag === undefined) throw new Error(`part ${n}: UploadPart returned no ETag`);
      // With SSE-S3 or no encryption the ETag is the part's MD5; with SSE-KMS or SSE-C it is not (the CRC32 checksum S3 verified stands).
      const md5Etag = answer.ServerSideEncryption !== 'aws:kms' && answer.ServerSideEncryption !== 'aws:kms:dsse' && answer.SSECustomerAlgorithm === undefined;
      if (md5Etag && bare(answer.ETag) !== md5) throw new Error(`part ${n}: the store's ETag ${answer.ETag} is not the MD5 of what was sent`);
      state.parts.set(n, { size: length, md5, etag: answer.ETag, checksumCRC32: answer.ChecksumCRC32 });
    }
  };
  const results = await Promise.allSettled([worker(), worker()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function complete(o: ResumableUploadOptions, state: UploadState): Promise<void> {
  const parts: CompletedPart[] = [];
  for (let n = 1; n <= state.partCount; n += 1) {
    const p = state.parts.get(n);
    if (p === undefined) throw new Error(`part ${n} is missing`);
    parts.push({ PartNumber: n, ETag: p.etag, ...(p.checksumCRC32 !== undefined ? { ChecksumCRC32: p.checksumCRC32 } : {}) });
  }
  await o.client.send(new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: o.key, UploadId: state.uploadId, MultipartUpload: { Parts: parts } }));
}

async function isComplete(o: ResumableUploadOptions, size: number): Promise<boolean> {
  try {
    const head = await o.client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }));
    return head.ContentLength === size;
  } catch (error) {
    if (nameOf(error) === 'NotFound' || nameOf(error) === 'NoSuchKey') return false;
    throw error;
  }
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function stopped(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return new Error(`upload stopped: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`);
}

function bare(etag: string): string {
  return etag.replace(/"/g, '').toLowerCase();
}

function nameOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}
