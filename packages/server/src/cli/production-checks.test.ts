import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isProduction, masterKeyLocationWarning } from './production-checks.js';

test('ok/production mode is NODE_ENV=production or --production', () => {
  assert.equal(isProduction({ NODE_ENV: 'production' }, undefined), true);
  assert.equal(isProduction({}, true), true);
  assert.equal(isProduction({ NODE_ENV: 'development' }, false), false);
});

test('fail/production with master.key inside the data directory warns (naming the file, not its content); ok/otherwise silent', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-prod-'));
  try {
    assert.equal(masterKeyLocationWarning(dataDir, {}, true), undefined, 'no key file: nothing to warn about');
    await writeFile(join(dataDir, 'master.key'), 'SECRETKEYTEXT\n', { mode: 0o600 });
    const warning = masterKeyLocationWarning(dataDir, {}, true);
    assert.match(warning ?? '', /WARNING \(production\).*master\.key, inside the data directory.*VIGIL_MASTER_KEY/s);
    assert.equal(warning?.includes('SECRETKEYTEXT'), false);
    assert.equal(masterKeyLocationWarning(dataDir, {}, false), undefined, 'not in production');
    assert.equal(masterKeyLocationWarning(dataDir, { VIGIL_MASTER_KEY: 'x'.repeat(64) }, true), undefined, 'the key comes from the environment');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
