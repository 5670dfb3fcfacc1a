/** The PHI rule and the model's checks, table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeGrant,
  decidePhiAccess,
  isHipaaCourse,
  isValidBirthDate,
  isValidBreakGlassReason,
  isValidName,
  normalizeMrn,
  TRAINING_COURSES,
  type PhiAccessInput,
  type PhiDecision,
} from './model.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ME = 'u-me';
const current = { course: 'hipaa-privacy-security' as const, completedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' };
const expired = { ...current, expiresAt: '2026-06-01T12:00:00.000Z' }; // the end instant is already expired
const notYet = { ...current, completedAt: '2026-06-01T12:00:00.001Z' };
const nonHipaa = { ...current, course: 'device-operation' as const };
const member = { userId: ME, role: 'member' as const };
const other = { userId: 'u-other', role: 'primary' as const };
const grant = { id: 'g1', userId: ME, grantedAt: '2026-06-01T11:30:00.000Z', expiresAt: '2026-06-01T12:30:00.000Z' };
const expiredGrant = { ...grant, id: 'g0', expiresAt: '2026-06-01T12:00:00.000Z' };
const othersGrant = { ...grant, id: 'g2', userId: 'u-other' };

const input = (over: Partial<PhiAccessInput>): PhiAccessInput => ({ now: NOW, userId: ME, training: [], careTeam: [], grants: [], ...over });

const CASES: ReadonlyArray<[string, Partial<PhiAccessInput>, PhiDecision]> = [
  ['ok/trained care-team member', { training: [current], careTeam: [member] }, { allow: true, basis: 'care-team' }],
  ['ok/trained member with a grant uses the care team', { training: [current], careTeam: [member], grants: [grant] }, { allow: true, basis: 'care-team' }],
  ['ok/break-glass without training or team', { grants: [grant] }, { allow: true, basis: 'break-glass', grantId: 'g1' }],
  ['ok/break-glass when training expired', { training: [expired], careTeam: [member], grants: [grant] }, { allow: true, basis: 'break-glass', grantId: 'g1' }],
  ['fail/nothing', {}, { allow: false, reason: 'training-required' }],
  ['fail/team member without training', { careTeam: [member] }, { allow: false, reason: 'training-required' }],
  ['fail/team member with expired training', { training: [expired], careTeam: [member] }, { allow: false, reason: 'training-required' }],
  ['fail/team member with training completed in the future', { training: [notYet], careTeam: [member] }, { allow: false, reason: 'training-required' }],
  ['fail/team member with a non-HIPAA course', { training: [nonHipaa], careTeam: [member] }, { allow: false, reason: 'training-required' }],
  ['fail/trained but not in the team', { training: [current], careTeam: [other] }, { allow: false, reason: 'care-relationship-required' }],
  ['fail/expired grant', { training: [current], grants: [expiredGrant] }, { allow: false, reason: 'care-relationship-required' }],
  ["fail/someone else's grant", { training: [current], grants: [othersGrant] }, { allow: false, reason: 'care-relationship-required' }],
];

describe('PHI rule', () => {
  for (const [name, over, expected] of CASES) {
    it(name, () => assert.deepEqual(decidePhiAccess(input(over)), expected));
  }

  it('ok/the longest-lasting active grant is chosen', () => {
    const later = { ...grant, id: 'g9', expiresAt: '2026-06-01T13:00:00.000Z' };
    assert.equal(activeGrant([grant, later, expiredGrant], ME, NOW)?.id, 'g9');
  });
});

describe('patients model checks', () => {
  it('ok/every hipaa-* course counts, and only those', () => {
    const counted = Object.keys(TRAINING_COURSES).filter(isHipaaCourse);
    assert.deepEqual(counted, ['hipaa-privacy-security', 'hipaa-privacy', 'hipaa-security', 'hipaa-refresher']);
    assert.equal(isHipaaCourse('hipaa-made-up'), false, 'an unknown code does not count even with the prefix');
  });

  for (const [value, ok] of [
    ['1985-12-10', true],
    ['2026-06-01', true],
    ['2026-06-02', false],
    ['1985-02-30', false],
    ['1879-12-31', false],
    ['85-12-10', false],
    ['1985-12-10T00:00:00Z', false],
  ] as const) {
    it(`${ok ? 'ok' : 'fail'}/birth date ${value}`, () => assert.equal(isValidBirthDate(value, NOW), ok));
  }

  it('ok/MRN normalization ignores case, width and surrounding space', () => {
    assert.equal(normalizeMrn(' mrn-0001 '), 'MRN-0001');
    assert.equal(normalizeMrn('ＭＲＮ-0001'), 'MRN-0001');
  });

  it('ok/names and reasons are bounded in code points', () => {
    assert.equal(isValidName('Zoë'), true);
    assert.equal(isValidName('  '), false);
    assert.equal(isValidName('a\u0000b'), false);
    assert.equal(isValidName('x'.repeat(101)), false);
    assert.equal(isValidBreakGlassReason('😀'.repeat(10)), true);
    assert.equal(isValidBreakGlassReason('😀'.repeat(9)), false);
    assert.equal(isValidBreakGlassReason('x'.repeat(500)), true);
    assert.equal(isValidBreakGlassReason('x'.repeat(501)), false);
  });
});
