import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../kernel/index.js';
import { ed25519Verifier, initKeyStore, type KeyProvider } from './index.js';

describe('Ed25519 signer and verifier', () => {
  let dir: string;
  let keys: KeyProvider;
  const data = new TextEncoder().encode('checkpoint 42: head 9f86d081884c7d65');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-keys-sign-'));
    keys = await initKeyStore({ dataDir: dir, masterKey: Buffer.alloc(32, 7).toString('base64'), clock: new ManualClock() });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('ok/round-trip', () => {
    const signer = keys.signer('audit-signing');
    assert.equal(signer.algorithm, 'Ed25519');
    assert.equal(signer.keyId, keys.active('audit-signing').id);
    const signature = signer.sign(data);
    assert.equal(signature.length, 64);
    assert.equal(ed25519Verifier.verify(signer.publicKeyPem(), data, signature), true);
    assert.equal(keys.publicKeyPem(signer.keyId), signer.publicKeyPem());
  });

  const failures: ReadonlyArray<[string, (pem: string, sig: Uint8Array) => [string, Uint8Array, Uint8Array]]> = [
    ['fail/flipped-signature-bit', (pem, sig) => [pem, data, flip(sig, 10)]],
    ['fail/flipped-data-bit', (pem, sig) => [pem, flip(data, 0), sig]],
    ['fail/truncated-signature', (pem, sig) => [pem, data, sig.subarray(0, 63)]],
    ['fail/extended-signature', (pem, sig) => [pem, data, Buffer.concat([sig, Buffer.from([0])])]],
    ['fail/empty-signature', (pem) => [pem, data, new Uint8Array(0)]],
    ['fail/zero-signature', (pem) => [pem, data, new Uint8Array(64)]],
    ['fail/other-ed25519-key', (_pem, sig) => [otherEd25519Pem(), data, sig]],
    ['fail/p256-key', (_pem, sig) => [p256Pem(), data, sig]],
    ['fail/garbage-pem', (_pem, sig) => ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', data, sig]],
    ['fail/not-pem', (_pem, sig) => ['hello', data, sig]],
  ];
  for (const [name, build] of failures) {
    it(name, () => {
      const signer = keys.signer('audit-signing');
      const [pem, message, signature] = build(signer.publicKeyPem(), signer.sign(data));
      assert.equal(ed25519Verifier.verify(pem, message, signature), false);
    });
  }

  it('fail/private-key-pem-of-the-signing-key', () => {
    const pair = generateKeyPairSync('ed25519');
    const signature = sign(null, data, pair.privateKey);
    const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.equal(ed25519Verifier.verify(publicPem, data, signature), true);
    assert.equal(ed25519Verifier.verify(privatePem, data, signature), false);
  });

  it('fail/never-throws-on-wrong-types', () => {
    const verify = ed25519Verifier.verify as (...args: unknown[]) => boolean;
    assert.equal(verify(undefined, data, new Uint8Array(64)), false);
    assert.equal(verify(keys.signer('audit-signing').publicKeyPem(), 'text', 'sig'), false);
  });

  it('ok/rotation-keeps-old-signatures-verifiable-and-retires-the-old-signer', async () => {
    const old = keys.signer('audit-signing');
    const oldSignature = old.sign(data);
    const rotated = await keys.rotate('audit-signing');
    assert.notEqual(rotated.id, old.keyId);
    assert.equal(ed25519Verifier.verify(keys.publicKeyPem(old.keyId), data, oldSignature), true);
    assert.throws(() => old.sign(data), { code: 'KEYS_KEY_NOT_FOUND' });
    const current = keys.signer('audit-signing');
    assert.equal(current.keyId, rotated.id);
    assert.equal(ed25519Verifier.verify(current.publicKeyPem(), data, current.sign(data)), true);
    assert.equal(ed25519Verifier.verify(current.publicKeyPem(), data, oldSignature), false);
  });
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

function otherEd25519Pem(): string {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

function p256Pem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
