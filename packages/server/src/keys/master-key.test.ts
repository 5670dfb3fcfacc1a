import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { formatMasterKey, newMasterKeyText, parseMasterKey } from './master-key.js';

const key = randomBytes(32);
// A key whose base64 spelling uses '+' and '/' and whose base64url spelling uses '-' and '_'.
const symbolic = Buffer.alloc(32, 0xfb);

describe('parseMasterKey', () => {
  const ok: ReadonlyArray<[string, string, Buffer]> = [
    ['ok/hex-lower', key.toString('hex'), key],
    ['ok/hex-upper', key.toString('hex').toUpperCase(), key],
    ['ok/base64-padded', key.toString('base64'), key],
    ['ok/base64-unpadded', key.toString('base64').replace(/=$/, ''), key],
    ['ok/base64url', key.toString('base64url'), key],
    ['ok/base64-symbols', symbolic.toString('base64'), symbolic],
    ['ok/base64url-symbols', symbolic.toString('base64url'), symbolic],
    ['ok/trailing-newline', `${key.toString('base64url')}\n`, key],
    ['ok/formatted', formatMasterKey(key), key],
  ];
  for (const [name, text, expected] of ok) {
    it(name, () => assert.deepEqual(parseMasterKey(text), expected));
  }

  const fail: ReadonlyArray<[string, string]> = [
    ['fail/empty', ''],
    ['fail/short-hex', key.subarray(0, 31).toString('hex')],
    ['fail/long-hex', Buffer.concat([key, Buffer.from([1])]).toString('hex')],
    ['fail/short-base64', key.subarray(0, 31).toString('base64')],
    ['fail/long-base64', randomBytes(33).toString('base64')],
    ['fail/passphrase', 'correct horse battery staple'],
    ['fail/mixed-alphabets', `+_${symbolic.toString('base64url').slice(2)}`],
    ['fail/non-canonical-last-char', `${key.toString('base64url').slice(0, 42)}${nonCanonicalLast(key.toString('base64url'))}`],
    ['fail/inner-space', `${key.toString('hex').slice(0, 32)} ${key.toString('hex').slice(32)}`],
    ['fail/double-padding', `${key.toString('base64')}=`],
  ];
  for (const [name, text] of fail) {
    it(name, () => {
      assert.throws(() => parseMasterKey(text), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'KEYS_MASTER_KEY_INVALID');
        assert.ok(!String((error as Error).message).includes(text.trim()) || text.trim() === '', 'the key is never echoed');
        return true;
      });
    });
  }

  it('ok/new-master-key-text-parses', () => {
    assert.equal(parseMasterKey(newMasterKeyText()).length, 32);
  });
});

/** The last base64url character with one of its two unused low bits set. */
function nonCanonicalLast(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const index = alphabet.indexOf(text.charAt(42));
  return alphabet.charAt(index | 1);
}
