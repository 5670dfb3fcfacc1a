/** Sealed PHI fields are bound to field, organization and row; the MRN index to the organization. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEnvelopeSealer, initKeyStore } from '../keys/index.js';
import { isAppError, ManualClock, newId } from '../kernel/index.js';
import type { Demographics, PhiField } from './model.js';
import { BREAK_GLASS_REASON_DOMAIN, MRN_INDEX_DOMAIN, PhiSealing } from './phi-sealing.js';

const ADA: Demographics = { mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', birthDate: '1985-12-10', sex: 'female' };
const invalid = (e: unknown) => isAppError(e) && e.code === 'KEYS_CIPHERTEXT_INVALID';

describe('PHI sealing', () => {
  let root: string;
  let sealing: PhiSealing;
  const org = newId();
  const otherOrg = newId();
  const p1 = newId();
  const p2 = newId();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-phi-'));
    const keys = await initKeyStore({ dataDir: join(root, 'data'), masterKey: randomBytes(32).toString('hex'), clock: new ManualClock() });
    sealing = new PhiSealing(createEnvelopeSealer(keys), keys.keyedHasher(MRN_INDEX_DOMAIN), keys.keyedHasher(BREAK_GLASS_REASON_DOMAIN));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('ok/round trip; only the asked fields are opened', () => {
    const sealed = sealing.sealDemographics(org, p1, ADA);
    for (const value of Object.values(sealed)) assert.ok(!value.includes('Lovelace') && value.startsWith('v1.kek-'));
    assert.deepEqual(sealing.openDemographics(org, p1, sealed), ADA);
    assert.deepEqual(sealing.openFields(org, p1, sealed, ['familyName']), { familyName: 'Lovelace' });
  });

  const moves: ReadonlyArray<[string, (s: Record<PhiField, string>) => () => unknown]> = [
    ['fail/another row', (s) => () => sealing.openDemographics(org, p2, s)],
    ['fail/another organization', (s) => () => sealing.openDemographics(otherOrg, p1, s)],
    ['fail/another field', (s) => () => sealing.openFields(org, p1, { ...s, givenName: s.familyName }, ['givenName'])],
    ['fail/a grant context', (s) => () => sealing.openGrantText('reason', org, p1, s.familyName)],
  ];
  for (const [name, attempt] of moves) {
    it(name, () => assert.throws(attempt(sealing.sealDemographics(org, p1, ADA)), invalid));
  }

  it('ok/MRN index: normalized within an organization, unrelated across organizations', () => {
    assert.equal(sealing.mrnIndex(org, ' mrn-1 '), sealing.mrnIndex(org, 'MRN-1'));
    assert.notEqual(sealing.mrnIndex(org, 'MRN-1'), sealing.mrnIndex(otherOrg, 'MRN-1'));
    assert.notEqual(sealing.mrnIndex(org, 'MRN-1'), sealing.mrnIndex(org, 'MRN-2'));
  });
});
