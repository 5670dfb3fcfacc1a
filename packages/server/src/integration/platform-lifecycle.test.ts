/**
 * Start-up and shutdown of a whole platform: modes of the data directory, a wrong master key,
 * a restart that keeps everything, and a graceful stop of `vigil start` on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validate } from '../config/index.js';
import { newMasterKeyText } from '../keys/index.js';
import { isAppError } from '../kernel/index.js';
import { initialize, openPlatform } from '../main.js';
import { appendEvents, makeConfig, makePlatform, testContext } from './fixtures.js';

const CLI = join(import.meta.dirname, '..', 'cli.js');

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(p, `${st.mtimeMs}:${st.mode}:${readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return out;
}

test('ok/init creates the data directory 0700 and key files 0600', async () => {
  const t = await makePlatform();
  try {
    const mode = (p: string) => statSync(join(t.dataDir, p)).mode & 0o777;
    assert.equal(mode('.'), 0o700);
    assert.equal(mode('keys'), 0o700);
    assert.equal(mode('master.key'), 0o600);
    assert.equal(mode('keys/keystore.json'), 0o600);
    assert.equal(mode('vigil.db'), 0o600);
  } finally {
    await t.dispose();
  }
});

test('fail/a wrong master key refuses to start and leaves the data directory untouched', async () => {
  const { config, root } = await makeConfig();
  try {
    const env = { VIGIL_MASTER_KEY: newMasterKeyText() };
    await initialize({ config, env });
    const first = await openPlatform({ config, env });
    await first.setup.issue(testContext);
    await first.close();
    const before = snapshot(first.dataDir);
    for (const wrong of [{ VIGIL_MASTER_KEY: newMasterKeyText() }, {}]) {
      await assert.rejects(openPlatform({ config, env: wrong }), (e: unknown) => isAppError(e) && /^KEYS_MASTER_KEY_(WRONG|MISSING)$/.test(e.code));
    }
    assert.deepEqual(snapshot(first.dataDir), before, 'no file changed, not even its mtime');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('fail/a data directory readable by others refuses to start', async () => {
  const t = await makePlatform();
  try {
    await t.platform.close();
    await chmod(t.dataDir, 0o755);
    await assert.rejects(openPlatform({ config: t.config, env: {} }), (e: unknown) => isAppError(e) && e.code === 'DATA_DIR_INSECURE');
  } finally {
    await t.dispose();
  }
});

test('ok/a restart keeps keys, audit log and sealed data', async () => {
  const t = await makePlatform();
  try {
    await appendEvents(t.platform, 12);
    const sealed = t.platform.sealer.seal(Buffer.from('Jane Doe'), 'patients.name:p1');
    const keyIds = t.platform.keys.list().map((k) => k.id);
    await t.platform.close();
    const again = await openPlatform({ config: t.config, env: {} });
    try {
      assert.equal(await again.auditReader().count(), 12);
      assert.deepEqual(again.keys.list().map((k) => k.id), keyIds);
      assert.equal(Buffer.from(again.sealer.open(sealed, 'patients.name:p1')).toString(), 'Jane Doe');
    } finally {
      await again.close();
    }
  } finally {
    await t.dispose();
  }
});

test('ok/setup credential: single use, expires, a new one retires the old', async () => {
  const t = await makePlatform({ setup: { credentialTtlMinutes: 30 } });
  try {
    const { setup } = t.platform;
    const ensured = await setup.ensure(testContext);
    assert.ok(ensured.issued, 'a first start issues one');
    const again = await setup.ensure(testContext);
    assert.equal(again.issued, undefined, 'no second one while the first is valid');
    assert.equal(again.pendingUntil, ensured.issued.expiresAt);

    const invalid = (e: unknown) => isAppError(e) && e.code === 'IDENTITY_SETUP_CREDENTIAL_INVALID';
    await assert.rejects(setup.consume(testContext, 'vsc_not-the-token'), invalid);
    await setup.consume(testContext, ensured.issued.token);
    await assert.rejects(setup.consume(testContext, ensured.issued.token), invalid, 'single use');

    const a = await setup.issue(testContext);
    const b = await setup.issue(testContext);
    await assert.rejects(setup.consume(testContext, a.token), invalid, 'retired by the newer one');
    t.clock.advance(31 * 60_000);
    await assert.rejects(setup.consume(testContext, b.token), invalid, 'expired');
    assert.ok((await setup.ensure(testContext)).issued, 'a new one after expiry');
    const actions = (await t.platform.auditReader().readAfter(0, 100)).map((e) => e.action);
    assert.deepEqual(actions.filter((a) => a.endsWith('.issue')).length, 4);
    assert.deepEqual(actions.filter((a) => a.endsWith('.consume')).length, 1);
    const raw = readFileSync(join(t.dataDir, 'vigil.db'));
    assert.equal(raw.includes(Buffer.from(b.token)), false, 'the token itself is never stored');
  } finally {
    await t.dispose();
  }
});

test('ok/vigil start serves HTTPS and stops cleanly on SIGTERM', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vigil-start-'));
  const dataDir = join(root, 'data');
  try {
    const child = spawn(process.execPath, [CLI, 'start', '--data-dir', dataDir, '--http-port', '0', '--mqtt-port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /running: https:\/\/[^:]+:(\d+)\//.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    assert.match(out, /setup credential[^\n]*\n\n\s+vsc_/);
    const ca = readFileSync(join(dataDir, 'ca', 'root.pem'), 'utf8');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/readyz', ca, servername: 'localhost' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(body, /"ready"/, 'the certificate chains to the root CA Vigil made');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.equal(existsSync(join(dataDir, 'vigil.db-wal')), false, 'the database was closed cleanly (WAL checkpointed)');
    assert.equal(existsSync(join(dataDir, 'vigil.pid')), false, 'the lock was released');
    const { runAuditVerify } = await import('../cli/audit-commands.js');
    const result = await runAuditVerify({ config: validate({ dataDir }).config });
    assert.equal(result.ok, true, result.message);
    assert.ok(result.checkpointsVerified >= 1, 'a final checkpoint was written at shutdown');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
