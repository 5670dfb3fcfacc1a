import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { StoreBarrier, type EntryLabel } from './store-barrier.js';

describe('StoreBarrier', () => {
  const master = randomBytes(32);
  const salt = randomBytes(32);
  const barrier = StoreBarrier.derive(master, salt);
  const label: EntryLabel = { id: 'kek-0123456789abcdef', purpose: 'kek', algorithm: 'AES-256-GCM' };
  const secret = randomBytes(32);
  const sealed = barrier.sealEntry(label, secret);

  it('ok/entry-round-trip', () => {
    assert.deepEqual(barrier.openEntry(label, sealed), secret);
    assert.deepEqual(StoreBarrier.derive(master, salt).openEntry(label, sealed), secret);
  });

  it('ok/verifier-is-deterministic-per-master-key-and-salt', () => {
    assert.equal(StoreBarrier.derive(master, salt).verifierMatches(barrier.verifier()), true);
    assert.equal(StoreBarrier.derive(randomBytes(32), salt).verifierMatches(barrier.verifier()), false);
    assert.equal(StoreBarrier.derive(master, randomBytes(32)).verifierMatches(barrier.verifier()), false);
    assert.equal(barrier.verifierMatches(barrier.verifier().subarray(0, 16)), false);
  });

  it('ok/verifier-is-not-the-master-key', () => {
    assert.notDeepEqual(barrier.verifier(), master);
  });

  const relabelled: ReadonlyArray<[string, EntryLabel]> = [
    ['fail/other-id', { ...label, id: 'kek-fedcba9876543210' }],
    ['fail/other-purpose', { ...label, purpose: 'tls-server' }],
    ['fail/other-algorithm', { ...label, algorithm: 'Ed25519' }],
  ];
  for (const [name, other] of relabelled) {
    it(name, () => assert.equal(barrier.openEntry(other, sealed), undefined));
  }

  it('fail/other-master-key', () => {
    assert.equal(StoreBarrier.derive(randomBytes(32), salt).openEntry(label, sealed), undefined);
  });

  it('fail/mac-detects-any-change', () => {
    const mac = barrier.mac('["a","b"]');
    assert.equal(barrier.macMatches('["a","b"]', mac), true);
    assert.equal(barrier.macMatches('["a","c"]', mac), false);
    assert.equal(StoreBarrier.derive(randomBytes(32), salt).macMatches('["a","b"]', mac), false);
  });
});
