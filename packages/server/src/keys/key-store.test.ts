import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../kernel/index.js';
import { createEnvelopeSealer, initKeyStore, keyStoreExists, keyStorePaths, openKeyStore } from './index.js';

const clock = new ManualClock();
const posix = process.platform !== 'win32';
const dirs: string[] = [];

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-keys-'));
  dirs.push(dir);
  return join(dir, 'data');
}

function envKey(): string {
  return randomBytes(32).toString('base64');
}

interface FileState {
  readonly bytes: Buffer;
  readonly mtimeMs: number;
  readonly mode: number;
}

/** Every file and directory under `dir`, with contents, mtime and mode. */
async function snapshot(dir: string): Promise<Map<string, FileState | 'dir'>> {
  const result = new Map<string, FileState | 'dir'>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) {
      result.set(path, 'dir');
    } else {
      const info = await stat(path);
      result.set(path, { bytes: await readFile(path), mtimeMs: info.mtimeMs, mode: info.mode });
    }
  }
  return result;
}

function mode(info: { mode: number }): number {
  return info.mode & 0o777;
}

after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('key store: init', () => {
  it('ok/creates-master-key-file-0600-keys-dir-0700-store-0600', { skip: !posix }, async () => {
    const dataDir = await tempDataDir();
    const keys = await initKeyStore({ dataDir, clock });
    const paths = keyStorePaths(dataDir);
    assert.equal(mode(await stat(paths.masterKeyFile)), 0o600);
    assert.equal(mode(await stat(paths.keysDir)), 0o700);
    assert.equal(mode(await stat(paths.storeFile)), 0o600);
    assert.equal(mode(await stat(dataDir)), 0o700);
    assert.equal(await keyStoreExists(dataDir), true);
    assert.deepEqual(
      keys.list().map((k) => [k.purpose, k.algorithm, k.status]),
      [
        ['kek', 'AES-256-GCM', 'active'],
        ['audit-signing', 'Ed25519', 'active'],
        ['ca-root', 'ECDSA-P256', 'active'],
        ['tls-server', 'ECDSA-P256', 'active'],
      ],
    );
    for (const info of keys.list()) assert.equal(info.createdAt, clock.now().toISOString());
  });

  it('ok/env-master-key-writes-no-key-file', async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, masterKey: envKey(), clock });
    await assert.rejects(stat(keyStorePaths(dataDir).masterKeyFile), { code: 'ENOENT' });
  });

  it('ok/store-holds-no-plaintext-key-material', async () => {
    const dataDir = await tempDataDir();
    const keys = await initKeyStore({ dataDir, clock });
    const text = await readFile(keyStorePaths(dataDir).storeFile, 'utf8');
    assert.doesNotMatch(text, /PRIVATE KEY/);
    assert.ok(!text.includes(keys.tlsServerKey().privateKeyPem.split('\n')[1] ?? 'x'));
    const publicList = JSON.parse(await readFile(keyStorePaths(dataDir).publicKeysFile, 'utf8')) as { keys: { id: string }[] };
    assert.deepEqual(publicList.keys.map((k) => k.id).sort(), keys.list().filter((k) => k.purpose !== 'kek').map((k) => k.id).sort());
    assert.equal(await readFile(keyStorePaths(dataDir).auditPublicKeyFile, 'utf8'), keys.signer('audit-signing').publicKeyPem());
  });

  it('fail/refuses-to-replace-an-existing-store', async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, clock });
    const before = await snapshot(dataDir);
    await assert.rejects(initKeyStore({ dataDir, clock }), { code: 'KEYS_STORE_EXISTS' });
    await assert.rejects(initKeyStore({ dataDir, masterKey: envKey(), clock }), { code: 'KEYS_STORE_EXISTS' });
    assert.deepEqual(await snapshot(dataDir), before);
  });

  it('fail/malformed-env-key-creates-no-store', async () => {
    const dataDir = await tempDataDir();
    await assert.rejects(initKeyStore({ dataDir, masterKey: 'not-a-key', clock }), { code: 'KEYS_MASTER_KEY_INVALID' });
    assert.equal(await keyStoreExists(dataDir), false);
  });
});

describe('key store: open', () => {
  it('ok/reopens-with-the-key-file', async () => {
    const dataDir = await tempDataDir();
    const created = await initKeyStore({ dataDir, clock });
    const opened = await openKeyStore({ dataDir, clock });
    assert.deepEqual(opened.list(), created.list());
    const sealed = createEnvelopeSealer(created).seal(Buffer.from('hello'), 'test:1');
    assert.equal(Buffer.from(createEnvelopeSealer(opened).open(sealed, 'test:1')).toString(), 'hello');
  });

  it('ok/reopens-with-the-env-key-in-any-spelling', async () => {
    const dataDir = await tempDataDir();
    const key = randomBytes(32);
    await initKeyStore({ dataDir, masterKey: key.toString('base64'), clock });
    for (const spelling of [key.toString('hex'), key.toString('base64url'), key.toString('base64')]) {
      await openKeyStore({ dataDir, masterKey: spelling, clock });
    }
  });

  it('ok/env-key-wins-over-key-file', async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, clock });
    await assert.rejects(openKeyStore({ dataDir, masterKey: envKey(), clock }), { code: 'KEYS_MASTER_KEY_WRONG' });
  });

  it('fail/wrong-master-key-changes-no-file', async () => {
    for (const withKeyFile of [false, true]) {
      const dataDir = await tempDataDir();
      const right = envKey();
      if (withKeyFile) {
        await initKeyStore({ dataDir, clock });
        await writeFile(keyStorePaths(dataDir).masterKeyFile, `${envKey()}\n`, { mode: 0o600 });
      } else {
        await initKeyStore({ dataDir, masterKey: right, clock });
      }
      const before = await snapshot(dataDir);
      await new Promise((resolve) => setTimeout(resolve, 15)); // a write now would show in mtime
      const attempt = withKeyFile ? openKeyStore({ dataDir, clock }) : openKeyStore({ dataDir, masterKey: envKey(), clock });
      await assert.rejects(attempt, { code: 'KEYS_MASTER_KEY_WRONG' });
      assert.deepEqual(await snapshot(dataDir), before);
      if (!withKeyFile) await openKeyStore({ dataDir, masterKey: right, clock });
    }
  });

  it('fail/missing-master-key', async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, clock });
    await rm(keyStorePaths(dataDir).masterKeyFile);
    const before = await snapshot(dataDir);
    await assert.rejects(openKeyStore({ dataDir, clock }), { code: 'KEYS_MASTER_KEY_MISSING' });
    assert.deepEqual(await snapshot(dataDir), before);
  });

  const malformed: ReadonlyArray<[string, string]> = [
    ['fail/env-key-31-bytes', randomBytes(31).toString('base64')],
    ['fail/env-key-33-bytes', randomBytes(33).toString('base64')],
    ['fail/env-key-empty', ''],
    ['fail/env-key-passphrase', 'hunter2'],
  ];
  for (const [name, masterKey] of malformed) {
    it(name, async () => {
      const dataDir = await tempDataDir();
      await initKeyStore({ dataDir, masterKey: envKey(), clock });
      await assert.rejects(openKeyStore({ dataDir, masterKey, clock }), { code: 'KEYS_MASTER_KEY_INVALID' });
    });
  }

  it('fail/malformed-key-file', async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, clock });
    await writeFile(keyStorePaths(dataDir).masterKeyFile, 'short\n');
    await assert.rejects(openKeyStore({ dataDir, clock }), { code: 'KEYS_MASTER_KEY_INVALID' });
  });

  it('fail/not-initialized', async () => {
    const dataDir = await tempDataDir();
    await assert.rejects(openKeyStore({ dataDir, clock }), { code: 'DATA_DIR_NOT_INITIALIZED' });
    assert.equal(await keyStoreExists(dataDir), false);
  });

  const insecure: ReadonlyArray<[string, (dataDir: string) => string, number]> = [
    ['fail/key-file-group-readable', (d) => keyStorePaths(d).masterKeyFile, 0o640],
    ['fail/key-file-world-readable', (d) => keyStorePaths(d).masterKeyFile, 0o604],
    ['fail/store-group-readable', (d) => keyStorePaths(d).storeFile, 0o640],
    ['fail/keys-dir-world-accessible', (d) => keyStorePaths(d).keysDir, 0o755],
  ];
  for (const [name, pathOf, unsafeMode] of insecure) {
    it(name, { skip: !posix }, async () => {
      const dataDir = await tempDataDir();
      await initKeyStore({ dataDir, clock });
      await chmod(pathOf(dataDir), unsafeMode);
      await assert.rejects(openKeyStore({ dataDir, clock }), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'DATA_DIR_INSECURE');
        assert.match((error as Error).message, /chmod/);
        return true;
      });
    });
  }

  it('fail/key-file-symlink', { skip: !posix }, async () => {
    const dataDir = await tempDataDir();
    await initKeyStore({ dataDir, clock });
    const paths = keyStorePaths(dataDir);
    const elsewhere = join(dataDir, 'elsewhere.key');
    await writeFile(elsewhere, await readFile(paths.masterKeyFile), { mode: 0o600 });
    await rm(paths.masterKeyFile);
    await symlink(elsewhere, paths.masterKeyFile);
    await assert.rejects(openKeyStore({ dataDir, clock }), { code: 'DATA_DIR_INSECURE' });
  });

  const corruptions: ReadonlyArray<[string, (text: string) => string, string]> = [
    ['fail/corrupt-json', (t) => t.slice(0, t.length / 2), 'KEYS_STORE_CORRUPT'],
    ['fail/corrupt-not-an-object', () => '[]', 'KEYS_STORE_CORRUPT'],
    ['fail/corrupt-unknown-field', (t) => t.replace('"format"', '"extra": 1, "format"'), 'KEYS_STORE_CORRUPT'],
    ['fail/corrupt-proto-field', (t) => t.replace('"format"', '"__proto__": {}, "format"'), 'KEYS_STORE_CORRUPT'],
    ['fail/corrupt-version', (t) => t.replace('"version": 1', '"version": 2'), 'KEYS_STORE_CORRUPT'],
    ['fail/tampered-status', (t) => t.replace('"status": "active"', '"status": "retired"'), 'KEYS_STORE_CORRUPT'],
    ['fail/tampered-created-at', (t) => replaceField(t, 'createdAt', '2020-01-01T00:00:00.000Z'), 'KEYS_STORE_CORRUPT'],
    ['fail/tampered-salt', (t) => replaceField(t, 'salt', randomBytes(32).toString('base64url')), 'KEYS_MASTER_KEY_WRONG'],
    ['fail/tampered-mac', (t) => replaceField(t, 'mac', randomBytes(32).toString('base64url')), 'KEYS_STORE_CORRUPT'],
    ['fail/swapped-sealed-entries', swapSealed, 'KEYS_STORE_CORRUPT'],
  ];
  for (const [name, corrupt, code] of corruptions) {
    it(name, async () => {
      const dataDir = await tempDataDir();
      await initKeyStore({ dataDir, clock });
      const file = keyStorePaths(dataDir).storeFile;
      const text = await readFile(file, 'utf8');
      const changed = corrupt(text);
      assert.notEqual(changed, text);
      await writeFile(file, changed);
      await assert.rejects(openKeyStore({ dataDir, clock }), { code });
    });
  }
});

describe('key store: rotation', () => {
  it('ok/rotation-persists-and-keeps-the-old-key', async () => {
    const dataDir = await tempDataDir();
    const keys = await initKeyStore({ dataDir, clock });
    const oldKek = keys.active('kek');
    clock.advance(60_000);
    const newKek = await keys.rotate('kek');
    assert.notEqual(newKek.id, oldKek.id);
    assert.equal(newKek.createdAt, clock.now().toISOString());
    assert.equal(mode(await stat(keyStorePaths(dataDir).storeFile)), posix ? 0o600 : mode(await stat(keyStorePaths(dataDir).storeFile)));
    const reopened = await openKeyStore({ dataDir, clock });
    assert.equal(reopened.active('kek').id, newKek.id);
    const old = reopened.list().find((k) => k.id === oldKek.id);
    assert.equal(old?.status, 'retired');
    assert.equal(old?.retiredAt, clock.now().toISOString());
    const leftovers = (await readdir(keyStorePaths(dataDir).keysDir)).filter((name) => name.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  it('ok/concurrent-rotations-run-one-at-a-time', async () => {
    const dataDir = await tempDataDir();
    const keys = await initKeyStore({ dataDir, clock });
    const rotated = await Promise.all([keys.rotate('kek'), keys.rotate('kek'), keys.rotate('audit-signing')]);
    const reopened = await openKeyStore({ dataDir, clock });
    assert.equal(reopened.active('kek').id, rotated[1]?.id);
    assert.equal(reopened.active('audit-signing').id, rotated[2]?.id);
    assert.equal(reopened.list().length, 7);
  });

  it('fail/rotation-refuses-when-another-process-changed-the-store', async () => {
    const dataDir = await tempDataDir();
    const first = await initKeyStore({ dataDir, clock });
    const second = await openKeyStore({ dataDir, clock });
    const winner = await second.rotate('kek');
    await assert.rejects(first.rotate('kek'), { code: 'STORAGE_CONFLICT' });
    const reopened = await openKeyStore({ dataDir, clock });
    assert.equal(reopened.active('kek').id, winner.id);
  });
});

function replaceField(text: string, field: string, value: string): string {
  return text.replace(new RegExp(`"${field}": "[^"]*"`), `"${field}": "${value}"`);
}

/** Exchanges the sealed bytes of the first two entries (both authenticate, under the wrong label). */
function swapSealed(text: string): string {
  const doc = JSON.parse(text) as { keys: { sealed: string }[] };
  const [a, b] = doc.keys;
  if (a === undefined || b === undefined) throw new Error('fixture');
  [a.sealed, b.sealed] = [b.sealed, a.sealed];
  return JSON.stringify(doc, null, 2);
}
