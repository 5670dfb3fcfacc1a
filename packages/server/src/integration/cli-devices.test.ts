/** `vigil device token|list|revoke|quarantine|release|site` as an operator runs them. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { validate } from '../config/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { x509 } from '../identity/ca/x509-library.js';
import { openPlatform } from '../main.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'cli.js');
let root: string;
let dataDir: string;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-cli-dev-'));
  dataDir = join(root, 'data');
  assert.equal((await vigil('init', '--data-dir', dataDir)).code, 0);
  // `--org` names an organization that exists (by name or id): make two.
  const platform = await openPlatform({ config: validate({ dataDir, logLevel: 'silent' }).config, env: {} });
  try {
    const operator = { principal: { kind: 'cli' as const, id: 'test' }, requestId: 'cli-test', source: 'local' };
    for (const name of ['org-1', 'org-2']) await platform.identity.createOrganization(operator, name);
  } finally {
    await platform.close();
  }
});

test('fail/an organization that does not exist is refused with one line', async () => {
  const r = await vigil('device', 'token', '--org', 'no-such-org', '--model', 'pulse-2', '--data-dir', dataDir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^vigil: There is no organization named "no-such-org"\.\n$/);
});
after(() => rm(root, { recursive: true, force: true }));

test('ok/every device verb answers --help', async () => {
  for (const verb of [['device'], ['device', 'token'], ['device', 'list'], ['device', 'revoke'], ['device', 'quarantine'], ['device', 'release'], ['device', 'decommission'], ['device', 'site']]) {
    const r = await vigil(...verb, '--help');
    assert.equal(r.code, 0, verb.join(' '));
    assert.match(r.stdout, /Usage: vigil device/);
  }
});

test('fail/usage and failures: exit 2 without --org, exit 1 with one line for an unknown device', async () => {
  assert.equal((await vigil('device', 'list', '--data-dir', dataDir)).code, 2);
  const unknown = await vigil('device', 'revoke', 'no-such-device', '--org', 'org-1', '--reason', 'lost-device', '--data-dir', dataDir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^vigil: Device not found\.\n$/);
  const badReason = await vigil('device', 'quarantine', 'x', '--org', 'org-1', '--reason', 'Because I Said So', '--data-dir', dataDir);
  assert.equal(badReason.code, 1);
  assert.equal(badReason.stderr.trim().split('\n').length, 1);
});

test('ok/token --count N: N distinct tokens alone on stdout, one per line (the simulator --token-file format)', async () => {
  const r = await vigil('device', 'token', '--org', 'org-1', '--model', 'vigil-sim', '--count', '3', '--data-dir', dataDir);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 3);
  for (const line of lines) assert.match(line, /^vet_[A-Za-z0-9_-]+$/);
  assert.equal(new Set(lines).size, 3);
  assert.match(r.stderr, /3 enrolment tokens for model vigil-sim/);
  for (const bad of ['0', '1001', 'x', '2.5']) assert.equal((await vigil('device', 'token', '--org', 'org-1', '--model', 'm', '--count', bad, '--data-dir', dataDir)).code, 2, bad);
});

test('ok/token -> enrol -> list -> quarantine -> release -> revoke, with the CRL written to the data directory', async () => {
  const token = await vigil('device', 'token', '--org', 'org-1', '--model', 'pulse-2', '--data-dir', dataDir);
  assert.equal(token.code, 0, token.stderr);
  const secret = /(vet_[A-Za-z0-9_-]+)/.exec(token.stdout)?.[1];
  assert.ok(secret);

  const { config } = validate({ dataDir, logLevel: 'silent' });
  const platform = await openPlatform({ config, env: {} });
  let deviceId: string;
  try {
    const csr = await makeTestCsr();
    ({ deviceId } = await platform.devices.service.enroll({ principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'r', source: '127.0.0.1' }, { token: secret, csr: csr.pem, serial: 'SN-cli-1' }));
  } finally {
    await platform.close();
  }

  const list = await vigil('device', 'list', '--org', 'org-1', '--json', '--data-dir', dataDir);
  assert.equal(list.code, 0, list.stderr);
  const devices = (JSON.parse(list.stdout) as { devices: { id: string; status: string }[] }).devices;
  assert.deepEqual(devices.map((d) => [d.id, d.status]), [[deviceId, 'active']]);
  assert.equal((await vigil('device', 'list', '--org', 'org-2', '--json', '--data-dir', dataDir)).stdout.trim(), '{"devices":[]}');

  // A device is named by its id or by its serial.
  for (const [verb, status, ref] of [['quarantine', 'quarantined', deviceId], ['release', 'active', 'SN-cli-1'], ['revoke', 'revoked', deviceId]] as const) {
    const r = await vigil('device', verb, ref, '--org', 'org-1', '--reason', 'key-compromise', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `device ${deviceId} is now ${status}\n`);
  }
  const crl = new x509.X509Crl(await readFile(join(dataDir, 'ca', 'devices.crl'), 'utf8'));
  assert.equal(crl.entries.length, 1);
  assert.equal((await vigil('device', 'revoke', deviceId, '--org', 'org-1', '--reason', 'key-compromise', '--data-dir', dataDir)).code, 1, 'already revoked');
  const unknown = await vigil('device', 'quarantine', 'SN-nobody', '--org', 'org-1', '--reason', 'key-compromise', '--data-dir', dataDir);
  assert.equal(unknown.code, 1, 'an unknown serial is refused');
  assert.match(unknown.stderr, /Device not found/);
});

test('ok/device site sets and clears a site by id or serial (audited as the OS user); fail/bad code, neither or both of SITE and --clear, another organization', async () => {
  const token = await vigil('device', 'token', '--org', 'org-1', '--model', 'pulse-2', '--data-dir', dataDir);
  const secret = /(vet_[A-Za-z0-9_-]+)/.exec(token.stdout)?.[1] ?? '';
  const { config } = validate({ dataDir, logLevel: 'silent' });
  let deviceId: string;
  const platform = await openPlatform({ config, env: {} });
  try {
    ({ deviceId } = await platform.devices.service.enroll({ principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'r', source: '127.0.0.1' }, { token: secret, csr: (await makeTestCsr()).pem, serial: 'SN-cli-site' }));
  } finally {
    await platform.close();
  }
  const set = await vigil('device', 'site', 'SN-cli-site', 'st-marys', '--org', 'org-1', '--data-dir', dataDir);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, `device ${deviceId} is at site st-marys\n`);
  const list = await vigil('device', 'list', '--org', 'org-1', '--data-dir', dataDir);
  assert.match(list.stdout, /^id\tmodel\tserial\tstatus\tfirmware\tsite\t/);
  assert.match(list.stdout, new RegExp(`\n${deviceId}\tpulse-2\tSN-cli-site\tactive\t-\tst-marys\t`));
  const json = JSON.parse((await vigil('device', 'list', '--org', 'org-1', '--json', '--data-dir', dataDir)).stdout) as { devices: { id: string; site: string | null }[] };
  assert.equal(json.devices.find((d) => d.id === deviceId)?.site, 'st-marys');

  // Refusals: one line on stderr, exit 1, the site unchanged.
  for (const [args, message] of [
    [['SN-cli-site', 'st marys'], /site is a code/],
    [['SN-cli-site'], /Give a site code, or --clear/],
    [['SN-cli-site', 'north', '--clear'], /Give a site code, or --clear/],
  ] as const) {
    const r = await vigil('device', 'site', ...args, '--org', 'org-1', '--data-dir', dataDir);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const foreign = await vigil('device', 'site', deviceId, 'north', '--org', 'org-2', '--data-dir', dataDir);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /Device not found/);

  const cleared = await vigil('device', 'site', deviceId, '--clear', '--org', 'org-1', '--data-dir', dataDir);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(cleared.stdout, `device ${deviceId} has no site\n`);
  const after = await openPlatform({ config, env: {} });
  try {
    const audit = await after.database.db.selectFrom('audit_events').select(['actor_kind', 'target_id']).where('action', '=', 'devices.device.set_site').orderBy('seq').execute();
    assert.deepEqual(audit.map((a) => [a.actor_kind, a.target_id]), [['cli', deviceId], ['cli', deviceId]], 'two changes, none for the refusals');
  } finally {
    await after.close();
  }
});
