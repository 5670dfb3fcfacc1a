import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { bearerToken, readCookie } from './identity-authorizer.js';

const cookies: Array<[string | undefined, string | undefined]> = [
  ['vigil_session=vst_abc', 'vst_abc'],
  ['a=1; vigil_session=vst_abc; b=2', 'vst_abc'],
  ['xvigil_session=evil; vigil_session=good', 'good'],
  ['vigil_session_other=1', undefined],
  ['', undefined],
  [undefined, undefined],
];
for (const [header, expected] of cookies) {
  test(`${expected ? 'ok' : 'fail'}/readCookie ${JSON.stringify(header)}`, () => assert.equal(readCookie(header, 'vigil_session'), expected));
}

const bearers: Array<[string | undefined, string | undefined]> = [
  ['Bearer vst_abc-DEF_123', 'vst_abc-DEF_123'],
  ['bearer vst_abc', undefined],
  ['Bearer ', undefined],
  ['Bearer a b', undefined],
  ['Basic dXNlcjpwYXNz', undefined],
  [undefined, undefined],
];
for (const [header, expected] of bearers) {
  test(`${expected ? 'ok' : 'fail'}/bearerToken ${JSON.stringify(header)}`, () =>
    assert.equal(bearerToken({ headers: { authorization: header } } as unknown as FastifyRequest), expected));
}
