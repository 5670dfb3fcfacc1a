import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMessageMac, secretDigestMatcher } from './message-mac.js';

test('ok/message mac is plain HMAC-SHA-256 (RFC 4231 test case 2)', () => {
  const mac = createMessageMac('Jefe');
  const tag = mac.sign('what do ya want for nothing?');
  assert.equal(tag, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(tag, createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'));
  assert.equal(mac.verify('what do ya want for nothing?', tag), true);
});

test('fail/message mac refuses a changed message, a wrong tag and junk', () => {
  const mac = createMessageMac('secret');
  const tag = mac.sign('a.b');
  assert.equal(mac.verify('a.c', tag), false);
  assert.equal(mac.verify('a.b', tag.replace(/^./, (c) => (c === '0' ? '1' : '0'))), false);
  assert.equal(mac.verify('a.b', 'zz'), false);
  assert.equal(mac.verify('a.b', ''), false);
});

test('ok+fail/secret digest matcher', () => {
  const matches = secretDigestMatcher('metrics-token-123');
  assert.equal(matches('metrics-token-123'), true);
  assert.equal(matches('metrics-token-124'), false);
  assert.equal(matches(''), false);
});
