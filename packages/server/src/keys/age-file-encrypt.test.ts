/**
 * ageEncryptFileTo: the encryption worker writes (and fsyncs) the ciphertext itself, with the
 * library and with the `age` tool; the file opens with the identity and gives back the plaintext,
 * the digests are those of the two files, and a failure or a stop rejects without a result.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDirectoryTarget } from '../backup/index.js';
import { isAppError } from '../kernel/index.js';
import { ageDecryptStream, ageEncryptFileTo, generateRecoveryIdentity } from './index.js';

const agePath = ['/usr/bin/age', '/usr/local/bin/age'].find((p) => spawnSync(p, ['--version']).status === 0);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('keys/age encryption of a file into a file, in the worker', () => {
  let root: string;
  let plainFile: string;
  let plain: Buffer;
  let key: { identity: string; recipient: string };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-age-to-'));
    // Several 64 MiB progress steps would take long here: 3 MiB (48 age chunks) and a ragged tail.
    plain = randomBytes(3 * 1024 * 1024 + 12_345);
    plainFile = join(root, 'plain.bin');
    await writeFile(plainFile, plain);
    key = await generateRecoveryIdentity();
  });
  after(() => rm(root, { recursive: true, force: true }));

  const decrypt = async (file: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await ageDecryptStream(key.identity, createReadStream(file))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  for (const encoder of ['library', 'tool'] as const) {
    test(`ok/${encoder}: the file opens to the plaintext, 0600, and the digests are the files'`, { skip: encoder === 'tool' && agePath === undefined ? 'age is not installed' : false }, async () => {
      const out = join(root, `out-${encoder}.age`);
      let last = 0;
      const digests = await ageEncryptFileTo(plainFile, out, [key.recipient], { binary: encoder === 'tool' ? agePath : undefined, onProgress: (n) => (last = n) });
      const cipher = await readFile(out);
      assert.equal((await stat(out)).mode & 0o777, 0o600);
      assert.deepEqual(await decrypt(out), plain);
      assert.equal(digests.plainSha256, sha256(plain));
      assert.equal(digests.plainBytes, plain.length);
      assert.equal(digests.cipherSha256, sha256(cipher));
      assert.equal(digests.cipherBytes, cipher.length);
      assert.equal(last, plain.length, 'the last progress is the whole plaintext');
      if (encoder === 'tool' && agePath !== undefined) {
        // And Debian's tool opens it with no Vigil code.
        const identityFile = join(root, 'identity.txt');
        await writeFile(identityFile, `${key.identity}\n`, { mode: 0o600 });
        const opened = spawnSync(agePath, ['-d', '-i', identityFile, out], { maxBuffer: 16 * 1024 * 1024 });
        assert.equal(opened.status, 0, opened.stderr.toString());
        assert.deepEqual(opened.stdout, plain);
      }
    });
  }

  test('fail/an existing file is never overwritten', async () => {
    const out = join(root, 'taken.age');
    await writeFile(out, 'keep me');
    await assert.rejects(ageEncryptFileTo(plainFile, out, [key.recipient]), (e: unknown) => isAppError(e) && /EEXIST/.test(e.detail ?? ''));
    assert.equal(await readFile(out, 'utf8'), 'keep me');
  });

  test('fail/a missing plaintext or a bad recipient rejects', async () => {
    await assert.rejects(ageEncryptFileTo(join(root, 'none.bin'), join(root, 'none.age'), [key.recipient]), (e: unknown) => isAppError(e) && e.code === 'BACKUP_SNAPSHOT_FAILED');
    assert.throws(() => ageEncryptFileTo(plainFile, join(root, 'bad.age'), ['age1notarecipient']), (e: unknown) => isAppError(e) && e.code === 'VALIDATION_FAILED');
  });

  test('fail/a tool that fails (after writing part of the file) rejects with what it said', async () => {
    const broken = join(root, 'age-broken');
    await writeFile(broken, '#!/bin/sh\nwhile [ "$#" -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done\nprintf half > "$out"\necho "age: error: disk quota exceeded" >&2\nexit 3\n', { mode: 0o755 });
    const out = join(root, 'broken.age');
    await assert.rejects(ageEncryptFileTo(plainFile, out, [key.recipient], { binary: broken }), (e: unknown) => isAppError(e) && /exited with 3: age: error: disk quota exceeded/.test(e.detail ?? ''));
  });

  test('fail/a stop ends the `age -o` process the worker started', async () => {
    const slow = join(root, 'age-slow');
    const pidFile = join(root, 'age-slow.pid');
    await writeFile(slow, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`, { mode: 0o755 });
    const stop = new AbortController();
    const running = ageEncryptFileTo(plainFile, join(root, 'slow.age'), [key.recipient], { binary: slow, signal: stop.signal });
    let pid = 0;
    for (let i = 0; i < 200 && pid === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim() || 0);
    }
    assert.ok(pid > 0, 'the tool started');
    stop.abort(new Error('the target timed out'));
    await assert.rejects(running, /timed out/);
    // Gone, and reaped: no process, not even a zombie, under that pid (a zombie still answers signal 0).
    let gone = false;
    for (let i = 0; i < 100 && !gone; i += 1) {
      try {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } catch {
        gone = true;
      }
    }
    assert.ok(gone, `the age process ${pid} was stopped and reaped`);
  });

  test('fail/a stop (the target timed out) rejects with its reason', async () => {
    const stop = new AbortController();
    const running = ageEncryptFileTo(plainFile, join(root, 'stopped.age'), [key.recipient], { signal: stop.signal });
    stop.abort(new Error('the target timed out after 1 ms'));
    await assert.rejects(running, /timed out after 1 ms/);
    const already = new AbortController();
    already.abort(new Error('stopped before'));
    assert.throws(() => ageEncryptFileTo(plainFile, join(root, 'never.age'), [key.recipient], { signal: already.signal }), /stopped before/);
  });

  test('fail/a directory target: a write that fails leaves nothing under the key and no temp file', async () => {
    const target = new LocalDirectoryTarget(join(root, 'target'));
    const objectKey = '20261206T043000Z-ab12cd/database.sqlite.age';
    await assert.rejects(
      target.writeInPlace(objectKey, async (temp) => {
        await writeFile(temp, 'half a ciphertext');
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }),
      (e: unknown) => isAppError(e) && e.code === 'BACKUP_TARGET_FAILED' && /ENOSPC/.test(e.detail ?? ''),
    );
    assert.deepEqual(await readdir(join(root, 'target', '20261206T043000Z-ab12cd')), []);
    const digests = await target.writeInPlace(objectKey, (temp) => ageEncryptFileTo(plainFile, temp, [key.recipient]));
    assert.deepEqual(await readdir(join(root, 'target', '20261206T043000Z-ab12cd')), ['database.sqlite.age']);
    assert.equal(digests.cipherSha256, sha256(await readFile(target.localFile(objectKey))));
  });
});
