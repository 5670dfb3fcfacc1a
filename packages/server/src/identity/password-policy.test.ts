import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommonPasswords } from './common-passwords.js';
import { afterFailure, isLocked, UNLOCKED } from './lockout.js';
import { checkPassword, codePointLength, isValidUsername, passwordExpiresAt, passwordPolicy, usernameKey } from './password-policy.js';

const common = new CommonPasswords();
const ctx = (over: Partial<{ username: string; organizationName: string; mfaEnrolled: boolean }> = {}) => ({
  username: 'nurse.joy',
  organizationName: 'General Hospital',
  mfaEnrolled: false,
  isCommon: (p: string) => common.has(p),
  ...over,
});

test('ok/length is counted in code points, not UTF-16 units', () => {
  assert.equal(codePointLength('🔒🔒🔒'), 3);
  assert.equal('🔒🔒🔒'.length, 6);
  assert.equal(codePointLength('e\u0301'), 1, 'NFC composes e + combining acute');
});

test('ok/usernames fold NFKC and case into one key', () => {
  assert.equal(usernameKey('Ａｌｉｃｅ'), 'alice');
  assert.equal(usernameKey('ALICE'), usernameKey('alice'));
  for (const ok of ['alice', 'nurse.joy', 'a_b-c@site', 'Zoë']) assert.equal(isValidUsername(ok), true, ok);
  for (const bad of ['', 'ab', '.alice', 'has space', 'x'.repeat(65), 'semi;colon']) assert.equal(isValidUsername(bad), false, bad);
});

test('ok/the shipped list is loaded and folds case and trailing digits', () => {
  assert.ok(common.size > 30_000, `${common.size} entries`);
  for (const p of ['password', 'PASSWORD', 'qwerty123', 'Password1!', 'iloveyou']) assert.equal(common.has(p), true, p);
  assert.equal(common.has('Quartz-Meadow-Lantern-93'), false);
});

const table: Array<[string, 'regular-change' | 'nist', string, boolean, string | null]> = [
  ['ok/regular-change accepts a long uncommon password', 'regular-change', 'Quartz-Meadow-Lantern-93', false, null],
  ['fail/regular-change needs 12 code points', 'regular-change', 'Qz-Mw-Lt-93', false, 'IDENTITY_PASSWORD_TOO_SHORT'],
  ['fail/nist needs 15 without MFA', 'nist', 'Quartz-Meadow-1', false, null],
  ['fail/nist refuses 14 without MFA', 'nist', 'Quartz-Meadow1', false, 'IDENTITY_PASSWORD_TOO_SHORT'],
  ['ok/nist allows 8 with MFA', 'nist', 'Qz7!Mw3#', true, null],
  ['ok/nist has no composition rules', 'nist', 'correct horse battery', false, null],
  ['fail/a breached password is refused whatever the preset', 'nist', 'password123456789', false, 'IDENTITY_PASSWORD_COMMON'],
  ['fail/the username inside the password', 'regular-change', 'my-NURSE.JOY-password', false, 'IDENTITY_PASSWORD_CONTEXT'],
  ['fail/the organization name inside the password', 'regular-change', 'xx general hospital xx', false, 'IDENTITY_PASSWORD_CONTEXT'],
  ['fail/too long', 'regular-change', 'a'.repeat(257), false, 'IDENTITY_PASSWORD_TOO_LONG'],
];
for (const [name, preset, password, mfa, expected] of table) {
  test(name, () => assert.equal(checkPassword(passwordPolicy(preset), password, ctx({ mfaEnrolled: mfa })), expected));
}

test('ok/regular-change expires after 90 days; nist never', () => {
  assert.equal(passwordExpiresAt(passwordPolicy('regular-change'), '2026-01-01T00:00:00.000Z'), '2026-04-01T00:00:00.000Z');
  assert.equal(passwordExpiresAt(passwordPolicy('nist'), '2026-01-01T00:00:00.000Z'), null);
  assert.equal(passwordPolicy('regular-change').historyCount, 12);
  assert.equal(passwordPolicy('nist').historyCount, 0);
});

test('ok/lockout: threshold failures lock, each further lock doubles, up to the cap', () => {
  const policy = { threshold: 3, baseSeconds: 60, maxSeconds: 200 };
  const now = new Date(Date.UTC(2026, 0, 1));
  let state = UNLOCKED;
  const locks: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    state = afterFailure(policy, state, now);
    if (state.lockedUntil !== null && state.failedCount === 0) locks.push((Date.parse(state.lockedUntil) - now.getTime()) / 1000);
  }
  assert.deepEqual(locks, [60, 120, 200, 200]);
  assert.equal(isLocked(state, now), true);
  assert.equal(isLocked(state, new Date(now.getTime() + 201_000)), false);
});
