import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/index.js';
import { initKeyStore, type KeyProvider } from '../../keys/index.js';
import { initRootCa, resolveHttpsCredentials, type RootCa } from './index.js';

describe('HTTPS credentials', () => {
  let dir: string;
  let dataDir: string;
  let keys: KeyProvider;
  let root: RootCa;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ca-https-'));
    dataDir = join(dir, 'data');
    keys = await initKeyStore({ dataDir, masterKey: Buffer.alloc(32, 4).toString('hex'), clock });
    root = await initRootCa({ dataDir, keys, clock });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('ok/vigil-ca-by-default', async () => {
    const first = await resolveHttpsCredentials({ dataDir, keys, root, clock, hostnames: [] });
    assert.equal(first.source, 'vigil-ca');
    assert.equal(first.issuedBecause, 'there is no server certificate');
    assert.equal(first.credentials.chainPem, root.certPem);
    const second = await resolveHttpsCredentials({ dataDir, keys, root, clock });
    assert.equal(second.issuedBecause, undefined);
  });

  it('ok/operator-material-when-configured', async () => {
    const own = await resolveHttpsCredentials({ dataDir, keys, root, clock });
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await writeFile(certFile, own.credentials.certPem + own.credentials.chainPem);
    await writeFile(keyFile, own.credentials.keyPem, { mode: 0o600 });
    const operator = await resolveHttpsCredentials({ dataDir, keys, root, clock, certFile, keyFile });
    assert.equal(operator.source, 'operator');
    assert.equal(operator.credentials.certPem, own.credentials.certPem);
  });

  it('fail/operator-key-does-not-match', async () => {
    const own = await resolveHttpsCredentials({ dataDir, keys, root, clock });
    const certFile = join(dir, 'cert2.pem');
    const keyFile = join(dir, 'key2.pem');
    await writeFile(certFile, own.credentials.certPem);
    await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await assert.rejects(resolveHttpsCredentials({ dataDir, keys, root, clock, certFile, keyFile }), { code: 'TLS_MATERIAL_INVALID' });
  });

  it('fail/half-configured', async () => {
    await assert.rejects(resolveHttpsCredentials({ dataDir, keys, root, clock, certFile: join(dir, 'cert.pem') }), { code: 'TLS_MATERIAL_INVALID' });
  });
});
