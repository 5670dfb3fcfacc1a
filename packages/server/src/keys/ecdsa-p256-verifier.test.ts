import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { ecdsaP256Verifier } from './ecdsa-p256-verifier.js';

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const spki = (k: { publicKey: { export(o: object): string | Buffer } }) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const data = Buffer.from('[1,"device-x",1]');
const sig = sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' });
const der = sign('sha256', data, { key: p256.privateKey });

const cases: Array<[string, string, Uint8Array, Uint8Array, boolean]> = [
  ['ok/a P1363 signature by the key', spki(p256), data, sig, true],
  ['fail/other data', spki(p256), Buffer.from('[1,"device-x",2]'), sig, false],
  ['fail/a DER signature (only P1363 is accepted)', spki(p256), data, der, false],
  ['fail/a P-384 key', spki(p384), data, sig, false],
  ['fail/an Ed25519 key', spki(ed), data, sig, false],
  ['fail/a private key PEM', p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), data, sig, false],
  ['fail/garbage', 'not a key', data, sig, false],
  ['fail/a truncated signature', spki(p256), data, sig.subarray(0, 63), false],
];
for (const [name, key, d, s, expected] of cases) {
  test(name, () => assert.equal(ecdsaP256Verifier.verify(key, d, s), expected));
}
