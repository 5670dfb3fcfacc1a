import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../kernel/index.js';
import { createEnvelopeSealer, initKeyStore, openKeyStore, type KeyProvider, type Sealer } from './index.js';

const clock = new ManualClock();
const masterKey = randomBytes(32).toString('hex');
const context = 'patients.name:7d3c2a4e-0000-4000-8000-000000000001';
const plaintext = new TextEncoder().encode('Ada Lovelace');

describe('envelope sealer', () => {
  let root: string;
  let dataDir: string;
  let keys: KeyProvider;
  let sealer: Sealer;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-seal-'));
    dataDir = join(root, 'data');
    keys = await initKeyStore({ dataDir, masterKey, clock });
    sealer = createEnvelopeSealer(keys);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('ok/round-trip', () => {
    const sealed = sealer.seal(plaintext, context);
    assert.match(sealed, /^v1\.kek-[0-9a-f]{16}(\.[A-Za-z0-9_-]*){4}$/);
    assert.equal(sealer.keyIdOf(sealed), keys.active('kek').id);
    assert.equal(sealer.activeKeyId(), keys.active('kek').id);
    assert.deepEqual(sealer.open(sealed, context), Buffer.from(plaintext));
  });

  it('ok/empty-and-large-payloads', () => {
    for (const payload of [new Uint8Array(0), randomBytes(256 * 1024)]) {
      assert.deepEqual(sealer.open(sealer.seal(payload, context), context), Buffer.from(payload));
    }
  });

  it('ok/each-seal-is-fresh', () => {
    const a = sealer.seal(plaintext, context);
    const b = sealer.seal(plaintext, context);
    assert.notEqual(a, b);
    const [, , wrappedA, ivA] = a.split('.');
    const [, , wrappedB, ivB] = b.split('.');
    assert.notEqual(wrappedA, wrappedB);
    assert.notEqual(ivA, ivB);
  });

  const contexts: ReadonlyArray<[string, string]> = [
    ['fail/other-row', 'patients.name:7d3c2a4e-0000-4000-8000-000000000002'],
    ['fail/other-column', 'patients.birthDate:7d3c2a4e-0000-4000-8000-000000000001'],
    ['fail/context-prefix', context.slice(0, -1)],
    ['fail/context-suffix', `${context}x`],
  ];
  for (const [name, wrong] of contexts) {
    it(name, () => {
      const sealed = sealer.seal(plaintext, context);
      assert.throws(() => sealer.open(sealed, wrong), { code: 'KEYS_CIPHERTEXT_INVALID' });
      assert.throws(() => sealer.rewrap(sealed, wrong), { code: 'KEYS_CIPHERTEXT_INVALID' });
    });
  }

  // Part indexes: 0 version, 1 KEK id, 2 wrapped data key, 3 IV, 4 ciphertext, 5 tag.
  const tamperings: ReadonlyArray<[string, (parts: string[]) => void]> = [
    ['fail/tampered-version', (p) => (p[0] = 'v2')],
    ['fail/tampered-kek-id-unknown', (p) => (p[1] = 'kek-0000000000000000')],
    ['fail/tampered-kek-id-malformed', (p) => (p[1] = 'kek-XYZ')],
    ['fail/tampered-kek-id-other-purpose', (p) => (p[1] = keys.active('audit-signing').id)],
    ['fail/tampered-wrapped-key', (p) => (p[2] = flipBit(p[2] ?? '', 20))],
    ['fail/truncated-wrapped-key', (p) => (p[2] = (p[2] ?? '').slice(0, 20))],
    ['fail/tampered-iv', (p) => (p[3] = flipBit(p[3] ?? '', 3))],
    ['fail/tampered-ciphertext', (p) => (p[4] = flipBit(p[4] ?? '', 0))],
    ['fail/truncated-ciphertext', (p) => (p[4] = (p[4] ?? '').slice(0, 4))],
    ['fail/tampered-tag', (p) => (p[5] = flipBit(p[5] ?? '', 7))],
    ['fail/truncated-tag', (p) => (p[5] = (p[5] ?? '').slice(0, 16))],
    ['fail/non-canonical-base64', (p) => (p[5] = nonCanonical(p[5] ?? ''))],
    ['fail/padded-base64', (p) => (p[3] = `${p[3] ?? ''}=`)],
    ['fail/extra-part', (p) => p.push('AAAA')],
    ['fail/missing-part', (p) => p.pop()],
  ];
  for (const [name, tamper] of tamperings) {
    it(name, () => {
      const sealed = sealer.seal(plaintext, context);
      const parts = sealed.split('.');
      tamper(parts);
      const changed = parts.join('.');
      assert.notEqual(changed, sealed);
      assert.throws(() => sealer.open(changed, context), { code: 'KEYS_CIPHERTEXT_INVALID' });
      assert.throws(() => sealer.rewrap(changed, context), { code: 'KEYS_CIPHERTEXT_INVALID' });
    });
  }

  it('fail/swapped-wrapped-keys-between-values', () => {
    const a = sealer.seal(plaintext, context).split('.');
    const b = sealer.seal(plaintext, context).split('.');
    a[2] = b[2] ?? '';
    assert.throws(() => sealer.open(a.join('.'), context), { code: 'KEYS_CIPHERTEXT_INVALID' });
  });

  it('fail/garbage', () => {
    for (const garbage of ['', 'v1', '......', 'v1.kek-0123456789abcdef.....', 'hello world']) {
      assert.throws(() => sealer.open(garbage, context), { code: 'KEYS_CIPHERTEXT_INVALID' });
      assert.throws(() => sealer.keyIdOf(garbage), { code: 'KEYS_CIPHERTEXT_INVALID' });
    }
  });

  it('ok/rotation-keeps-old-ciphertext-readable-and-rewrap-moves-it', async () => {
    const before = sealer.seal(plaintext, context);
    const oldKek = sealer.keyIdOf(before);
    const rotated = await keys.rotate('kek');
    assert.notEqual(rotated.id, oldKek);
    assert.equal(sealer.activeKeyId(), rotated.id);

    assert.deepEqual(sealer.open(before, context), Buffer.from(plaintext));
    const after = sealer.seal(plaintext, context);
    assert.equal(sealer.keyIdOf(after), rotated.id);

    const rewrapped = sealer.rewrap(before, context);
    assert.equal(sealer.keyIdOf(rewrapped), rotated.id);
    assert.deepEqual(rewrapped.split('.').slice(3), before.split('.').slice(3), 'the payload is untouched');
    assert.deepEqual(sealer.open(rewrapped, context), Buffer.from(plaintext));
    assert.equal(sealer.rewrap(rewrapped, context), rewrapped, 'already under the active KEK');

    // Reopened from disk: the old value, the new one and the rewrapped one all still open.
    const reopened = createEnvelopeSealer(await openKeyStore({ dataDir, masterKey, clock }));
    assert.equal(reopened.activeKeyId(), rotated.id);
    for (const value of [before, after, rewrapped]) {
      assert.deepEqual(reopened.open(value, context), Buffer.from(plaintext));
    }
  });

  it('fail/seal-needs-a-context', () => {
    assert.throws(() => sealer.seal(plaintext, ''), { code: 'INTERNAL' });
  });
});

/** Flips one bit of the byte at `index` of a base64url string, keeping it canonical. */
function flipBit(part: string, index: number): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

/** The same bytes with the unused low bits of the last character set: not canonical. */
function nonCanonical(part: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(part.charAt(part.length - 1));
  return `${part.slice(0, -1)}${alphabet.charAt(last | 1)}`;
}
