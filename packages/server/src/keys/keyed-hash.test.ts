import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError, ManualClock } from '../kernel/index.js';
import { initKeyStore, openKeyStore, type KeyProvider } from './index.js';

const clock = new ManualClock();
const masterKey = randomBytes(32).toString('hex');

describe('keyed hash', () => {
  let root: string;
  let dataDir: string;
  let keys: KeyProvider;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-kh-'));
    dataDir = join(root, 'data');
    keys = await initKeyStore({ dataDir, masterKey, clock });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('ok/deterministic, hex, verifiable', () => {
    const h = keys.keyedHasher('patients.mrn');
    const token = h.hash('org-1', 'MRN-001');
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(h.hash('org-1', 'MRN-001'), token);
    assert.equal(h.verify(token, 'org-1', 'MRN-001'), true);
    assert.equal(h.verify(token, 'org-2', 'MRN-001'), false);
    assert.equal(h.verify('zz', 'org-1', 'MRN-001'), false);
  });

  it('ok/stable across KEK rotation and reopening the store', async () => {
    const before = keys.keyedHasher('patients.mrn').hash('org-1', 'MRN-001');
    await keys.rotate('kek');
    const reopened = await openKeyStore({ dataDir, masterKey, clock });
    assert.equal(reopened.keyedHasher('patients.mrn').hash('org-1', 'MRN-001'), before);
  });

  it('fail/another domain, another store or another framing gives another token', async () => {
    const token = keys.keyedHasher('patients.mrn').hash('ab', 'c');
    assert.notEqual(keys.keyedHasher('patients.other').hash('ab', 'c'), token);
    assert.notEqual(keys.keyedHasher('patients.mrn').hash('a', 'bc'), token);
    const otherRoot = await mkdtemp(join(tmpdir(), 'vigil-kh2-'));
    try {
      const other = await initKeyStore({ dataDir: join(otherRoot, 'data'), masterKey, clock });
      assert.notEqual(other.keyedHasher('patients.mrn').hash('ab', 'c'), token);
    } finally {
      await rm(otherRoot, { recursive: true, force: true });
    }
  });

  it('fail/an uncoded domain is refused', () => {
    assert.throws(() => keys.keyedHasher('Patients MRN'), (e: unknown) => isAppError(e) && e.code === 'INTERNAL');
  });
});
