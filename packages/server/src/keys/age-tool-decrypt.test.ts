import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ageEncryptStream, generateRecoveryIdentity } from './age-encryption.js';
import { ageToolDecryptStream } from './age-tool-decrypt.js';

const AGE = '/usr/bin/age';
const skip = !existsSync(AGE) && 'Debian age is not installed';
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-age-tool-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function encrypt(recipient: string, plain: Buffer): Promise<Buffer> {
  return collect(await ageEncryptStream([recipient], Readable.from([plain])));
}

test('ok/the age tool decrypts what the library encrypted; the identity leaves no file behind', { skip }, async () => {
  const { identity, recipient } = await generateRecoveryIdentity();
  const plain = randomBytes(3 * 1024 * 1024 + 17);
  const out = await collect(await ageToolDecryptStream(AGE, identity, Readable.from([await encrypt(recipient, plain)]), dir));
  assert.ok(out.equals(plain));
  assert.deepEqual(await readdir(dir), [], 'the FIFO is removed');
});

test('fail/a wrong key, a flipped byte and a truncation each fail the stream (never a clean end)', { skip }, async () => {
  const { recipient } = await generateRecoveryIdentity();
  const other = await generateRecoveryIdentity();
  const mine = await generateRecoveryIdentity();
  const plain = randomBytes(256 * 1024);
  const cipher = await encrypt(recipient, plain);
  await assert.rejects(collect(await ageToolDecryptStream(AGE, other.identity, Readable.from([cipher]), dir)), /no identity matched/);
  const good = await encrypt(mine.recipient, plain);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 1000] = (flipped[flipped.length - 1000] ?? 0) ^ 1;
  await assert.rejects(collect(await ageToolDecryptStream(AGE, mine.identity, Readable.from([flipped]), dir)), /KEYS_CIPHERTEXT_INVALID|age:/);
  await assert.rejects(collect(await ageToolDecryptStream(AGE, mine.identity, Readable.from([good.subarray(0, good.length - 100)]), dir)), /KEYS_CIPHERTEXT_INVALID|age:/);
  assert.deepEqual(await readdir(dir), []);
});

test('fail/an identity that is not an age key is refused before the tool starts', { skip }, async () => {
  await assert.rejects(ageToolDecryptStream(AGE, 'not a key', Readable.from([Buffer.alloc(1)]), dir), { code: 'KEYS_RECOVERY_KEY_INVALID' });
});
