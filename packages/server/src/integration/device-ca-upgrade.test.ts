/** A data directory made before the device CA existed opens cleanly and gains one. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { test } from 'node:test';
import { createDataDir, resolveDataDir } from '../config/index.js';
import { caPaths, initRootCa } from '../identity/ca/index.js';
import { initKeyStore } from '../keys/index.js';
import { ManualClock } from '../kernel/index.js';
import { openPlatform } from '../main.js';
import { openDatabase } from '../storage/index.js';
import { makeConfig } from './fixtures.js';

test('ok/an older data directory (no ca-device key, no device-ca.pem) upgrades on first open', async () => {
  const { config, root } = await makeConfig();
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  try {
    // What `initialize` did before the device CA: keys, root CA, database.
    const dataDir = resolveDataDir(config.dataDir);
    createDataDir(dataDir);
    const keys = await initKeyStore({ dataDir, masterKey: undefined, clock });
    const rootCa = await initRootCa({ dataDir, keys, clock });
    await (await openDatabase({ dataDir })).close();
    assert.equal(keys.list().some((k) => k.purpose === 'ca-device'), false);

    const platform = await openPlatform({ config, env: {}, clock });
    try {
      const deviceCa = new X509Certificate(await readFile(caPaths(dataDir).deviceCaCertFile, 'utf8'));
      assert.ok(deviceCa.checkIssued(new X509Certificate(rootCa.certPem)));
      assert.deepEqual(platform.devices.clientCaPems.map((p) => new X509Certificate(p).subject), ['CN=Vigil Device CA', 'CN=Vigil Root CA']);
      assert.equal(platform.keys.list().filter((k) => k.purpose === 'ca-device').length, 1);
    } finally {
      await platform.close();
    }
    // And a second open changes nothing.
    const again = await openPlatform({ config, env: {}, clock });
    assert.equal(again.keys.list().filter((k) => k.purpose === 'ca-device').length, 1);
    await again.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
