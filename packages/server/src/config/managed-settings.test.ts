/**
 * Managed settings (approved change requests): only the managed keys, values the schema accepts,
 * recorded with their change id, merged last at load (they win over file and environment), and a
 * malformed file refuses to start rather than silently dropping an approved setting.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, validate } from './load.js';
import { isManagedKey, managedSettingsPath, readManagedSettings, withManagedValues, writeManagedSettings } from './managed-settings.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-managed-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('managed settings', () => {
  it('ok/only the password preset, detector settings and insecure flags are managed keys', () => {
    for (const key of ['passwords.preset', 'security.detectors.enabled', 'security.detectors.bruteForce.failures', 'insecure.allowPlaintextDatabase']) assert.ok(isManagedKey(key), key);
    for (const key of ['dataDir', 'databaseUrl', 'tls.minVersion', 'passwords', 'passwords.preset.x', 'security.detectors.', 'insecure', '__proto__.polluted', 'security.detectors.__proto__']) assert.equal(isManagedKey(key), false, key);
  });

  it('fail/values the configuration refuses are refused (unknown detector, out of range, wrong type, unmanaged key)', () => {
    const { config } = validate({});
    assert.throws(() => withManagedValues(config, { 'security.detectors.mindReader.enabled': true }), { code: 'CONFIG_INVALID' });
    assert.throws(() => withManagedValues(config, { 'security.detectors.constructor.prototype': true }), { code: 'CONFIG_INVALID' });
    assert.throws(() => withManagedValues(config, { 'security.detectors.bruteForce.failures': 0 }), { code: 'CONFIG_INVALID' });
    assert.throws(() => withManagedValues(config, { 'passwords.preset': 'none' }), { code: 'CONFIG_INVALID' });
    assert.throws(() => withManagedValues(config, { 'tls.minVersion': 'TLSv1' }), { code: 'CONFIG_INVALID' });
    assert.equal(withManagedValues(config, { 'security.detectors.bruteForce.failures': 9 }).config.security.detectors.bruteForce.failures, 9);
    assert.equal(config.security.detectors.bruteForce.failures, 5, 'the given configuration is not modified');
  });

  it('ok/recorded with the change id (mode 0600) and merged last at load: it wins over the environment', async () => {
    await withDir(async (dir) => {
      writeManagedSettings(dir, { 'passwords.preset': 'nist', 'insecure.allowPlaintextDatabase': true }, 'chg-1', '2026-12-01T00:00:00.000Z');
      writeManagedSettings(dir, { 'security.detectors.bruteForce.failures': 8 }, 'chg-2', '2026-12-02T00:00:00.000Z');
      assert.equal(statSync(managedSettingsPath(dir)).mode & 0o777, 0o600);
      const settings = readManagedSettings(dir);
      assert.deepEqual(Object.keys(settings).sort(), ['insecure.allowPlaintextDatabase', 'passwords.preset', 'security.detectors.bruteForce.failures']);
      assert.equal(settings['passwords.preset']?.changeId, 'chg-1');
      const { config } = loadConfig({ env: { VIGIL_DATA_DIR: dir, VIGIL_PASSWORDS_PRESET: 'regular-change' } });
      assert.equal(config.passwords.preset, 'nist');
      assert.equal(config.insecure.allowPlaintextDatabase, true);
      assert.equal(config.security.detectors.bruteForce.failures, 8);
    });
  });

  it('fail/a malformed or tampered file refuses to start', async () => {
    await withDir(async (dir) => {
      await writeFile(managedSettingsPath(dir), '{not json');
      assert.throws(() => loadConfig({ env: { VIGIL_DATA_DIR: dir } }), { code: 'CONFIG_INVALID' });
      await writeFile(managedSettingsPath(dir), JSON.stringify({ version: 1, settings: { databaseUrl: { value: 'postgres://evil', changeId: 'x', at: 'y' } } }));
      assert.throws(() => loadConfig({ env: { VIGIL_DATA_DIR: dir } }), /databaseUrl is not a managed setting/);
    });
  });
});
