import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usernameProblem, usernameSkeleton } from './username-rules.js';

const sameSkeleton: Array<[string, string]> = [
  ['admin', 'аdmin'], // Cyrillic а
  ['admin', 'admın'], // dotless ı
  ['admin', 'ADMIN'],
  ['admin', 'ａｄｍｉｎ'], // fullwidth (NFKC)
  ['admin', 'adrnin'], // rn for m
  ['paypal', 'paypa1'],
  ['oscar', '0scar'],
];
for (const [a, b] of sameSkeleton) {
  test(`fail/${JSON.stringify(b)} looks like ${JSON.stringify(a)} (same UTS #39 skeleton)`, () => {
    assert.equal(usernameSkeleton(b), usernameSkeleton(a));
  });
}

test('ok/different names keep different skeletons', () => {
  assert.notEqual(usernameSkeleton('alice'), usernameSkeleton('alicia'));
  assert.notEqual(usernameSkeleton('jose'), usernameSkeleton('bob'));
});

const problems: Array<[string, string | null]> = [
  ['admi\u0301n', 'combining-mark'],
  ['e\u0301lise', 'combining-mark'],
  ['аdmin', 'mixed-script'],
  ['pаypal', 'mixed-script'],
  ['αlpha', 'mixed-script'],
  ['josé', null],
  ['dr.müller', null],
  ['иван', null],
  ['山田花子', null],
  ['やまだ太郎', null],
  ['nurse.joy-2', null],
];
for (const [name, problem] of problems) {
  test(`${problem === null ? 'ok' : 'fail'}/${JSON.stringify(name)}: ${problem ?? 'allowed'}`, () => {
    assert.equal(usernameProblem(name), problem);
  });
}
