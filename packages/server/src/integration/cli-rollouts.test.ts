/**
 * `vigil rollout window` (the organization's maintenance window) and `vigil rollout create|status`
 * as an operator runs them, on a data directory with two devices bound to a patient:
 *
 *  - show (none), set (days and local hours in the organization's time zone), show, clear;
 *  - bad input: a clear error on stderr and a non-zero exit, nothing stored;
 *  - a campaign outside the organization's window does not install on bound devices (they only
 *    download and are held, the campaign stays running); once the window is cleared, the next
 *    engine tick sends the install;
 *  - `rollout create --site`: a campaign narrowed to the site set with `vigil device site` reaches
 *    only that device, and `rollout status` shows the site.
 *
 * The engine ticks in this process between the CLI runs (the server's job does it every 10 s),
 * with the commands it sends recorded here (the server sends them over the device command path,
 * tested in rollout and MQTT tests).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, cliPrincipal, type RequestContext } from '../kernel/index.js';
import { validate } from '../config/index.js';
import { openPlatform, type Platform } from '../main.js';
import { bindingStore } from '../storage/index.js';
import { localDayHour, WEEKDAYS, type Weekday } from '../updates/index.js';
import { imageBytes, releaseInput, streamOf } from '../updates/testing/release-fixtures.js';
import { makeCliDataDir, testContext, type CliDataDir } from './fixtures.js';

const ZONE = 'Europe/Berlin';
let cli: CliDataDir;
const vigil = (...args: string[]) => cli.vigil(...args);
const host = (id: string): RequestContext => ({ ...testContext, principal: cliPrincipal(id) });
const devices: string[] = [];
const sent: Array<{ deviceId: string; name: string }> = [];

/** One engine tick, as the server's rollout-engine job runs it, recording what it sends. */
async function tick(p: Platform): Promise<void> {
  p.updates.rollouts.attachCommands({ send: (_org, deviceId, name) => Promise.resolve(void sent.push({ deviceId, name })) });
  await p.updates.rollouts.tick();
}

/** Opens the data directory in this process (between CLI runs) and closes it again. */
async function withPlatform<T>(fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config: validate({ dataDir: cli.dataDir, logLevel: 'silent' }).config, env: {} });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

before(async () => {
  cli = await makeCliDataDir('vigil-cli-rollout-', 'general', async (platform, orgId) => {
    // The organization's time zone (its incident settings): the window's hours are local to it.
    const settings = await platform.incidents.service.settings(host('operator'), orgId);
    await platform.incidents.service.putSettings(host('operator'), { ...settings, timeZone: ZONE }, orgId);
    const image = await platform.updates.releases.uploadImage(host('operator'), 'pulse-ox', streamOf(imageBytes(16 * 1024, 3)));
    await platform.updates.releases.publish(host('operator'), releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    const at = new Date(Date.now() - 60_000).toISOString();
    for (const serial of ['W-1', 'W-2']) {
      const token = await platform.devices.service.issueEnrollmentToken(host('operator'), { model: 'pulse-ox', orgId });
      const deviceId = (await platform.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: (await makeTestCsr()).pem, serial })).deviceId;
      devices.push(deviceId);
      // An open binding to a patient, stored as the bindings module stores it (binding through the
      // API, with its patient record and the HIPAA training it needs, has its own tests).
      await bindingStore(platform.database.db).insert({ id: randomUUID(), orgId, deviceId, patientId: randomUUID(), startAt: at, endAt: null, createdAt: at, createdBy: 'test', endedBy: null });
    }
  });
});
after(() => cli.dispose());

interface Status {
  campaign: { status: string };
  waves: Array<{ devices: number; waiting: number; held: number; sent: number; installed: number; failed: number }>;
}
const total = (s: Status, k: 'held' | 'sent' | 'installed' | 'failed' | 'devices') => s.waves.reduce((n, w) => n + w[k], 0);

test('ok/vigil rollout window: show, set, show, clear; bad input refused; a campaign outside the window holds bound devices and does not advance', { timeout: 200_000 }, async () => {
  const none = await vigil('rollout', 'window', '--org', 'general');
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /no maintenance window \(time zone Europe\/Berlin\)/);

  // A window on tomorrow's local day only (01:00-02:00): closed all of today on Berlin's clock.
  const today = localDayHour(new Date(), ZONE).day;
  const tomorrow = WEEKDAYS[(WEEKDAYS.indexOf(today) + 1) % 7] as Weekday;
  const set = await vigil('rollout', 'window', '--org', 'general', '--days', tomorrow.toUpperCase(), '--hours', '1-2');
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, new RegExp(`maintenance window: ${tomorrow} 1-2 h Europe/Berlin \\(set by cli:`));
  const shown = await vigil('rollout', 'window', '--org', 'general');
  assert.match(shown.stdout, new RegExp(`maintenance window: ${tomorrow} 1-2 h Europe/Berlin`));

  // Bad input: a clear message, exit 1, and the stored window is unchanged.
  const bad: Array<[string[], RegExp]> = [
    [['--days', 'sat'], /both --days .* and --hours/],
    [['--hours', '22-4'], /both --days .* and --hours/],
    [['--clear', '--days', 'sat'], /--clear takes no --days or --hours/],
    [['--days', 'someday', '--hours', '22-4'], /days among sun, mon, tue, wed, thu, fri, sat \(not som\)/],
    [['--days', 'sat', '--hours', '22'], /--hours is START-END/],
    [['--days', 'sat', '--hours', '22-24'], /whole hours 0\.\.23/],
    [['--days', 'sat', '--hours', '3-3'], /must not be empty/],
    [['--days', 'sat,sat', '--hours', '1-3'], /each day .* once/],
  ];
  for (const [args, message] of bad) {
    const r = await vigil('rollout', 'window', '--org', 'general', ...args);
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.equal((await vigil('rollout', 'window', '--org', 'no-such-org')).code, 1, 'an unknown organization is refused');
  assert.match((await vigil('rollout', 'window', '--org', 'general')).stdout, new RegExp(`${tomorrow} 1-2 h`), 'the refusals stored nothing');

  // A campaign without a window of its own: the organization's applies.
  const created = await vigil('rollout', 'create', '--org', 'general', '--model', 'pulse-ox', '--version', '1.1.0', '--waves', '100', '--soak', '0', '--max-retries', '0');
  assert.equal(created.code, 0, created.stderr);
  const id = /campaign ([0-9a-f-]{36}) requested/.exec(created.stdout)?.[1] ?? '';
  assert.ok(id, created.stdout);
  await withPlatform(async (p) => {
    // The CLI's requester is this OS user; another one approves (the two-person rule on the host).
    await p.updates.rollouts.approve(host('second-operator'), id, cli.orgId);
    for (let i = 0; i < 3; i++) await tick(p);
  });
  const held = await vigil('rollout', 'status', id, '--org', 'general', '--json');
  assert.equal(held.code, 0, held.stderr);
  const heldStatus = JSON.parse(held.stdout) as Status;
  assert.equal(total(heldStatus, 'devices'), 2);
  assert.deepEqual([heldStatus.campaign.status, total(heldStatus, 'held'), total(heldStatus, 'sent'), total(heldStatus, 'installed'), total(heldStatus, 'failed')], ['running', 2, 0, 0, 0], 'outside the window: held, no install sent, not completed, no failure');
  const text = await vigil('rollout', 'status', id, '--org', 'general');
  assert.match(text.stdout, /running, wave 1\/1/);
  assert.match(text.stdout, new RegExp(`maintenance window \\(the organization's\\): ${tomorrow} 1-2 Europe/Berlin, closed, opens \\d{4}-.*; 2 device\\(s\\) bound to a patient downloaded and wait for it`));
  assert.match(text.stdout, /\n1\t100%\t2\t0\t2\t0\t0\t0\n/, 'the table shows both devices held');
  assert.deepEqual(sent.map((c) => c.name), ['firmware.download', 'firmware.download'], 'each bound device is told to download once, nothing to install');
  assert.deepEqual(sent.map((c) => c.deviceId).sort(), [...devices].sort());
  await withPlatform(async (p) => {
    const audit = await p.database.db.selectFrom('audit_events').select(['action', 'details', 'actor_id']).where('action', '=', 'updates.maintenance_window.set').orderBy('seq').execute();
    assert.equal(audit.length, 1, 'the set is audited once (refusals store nothing)');
    assert.match(String(audit[0]?.details), new RegExp(`${tomorrow} 1-2 Europe/Berlin`));
  });

  // Cleared: the next tick installs.
  const cleared = await vigil('rollout', 'window', '--org', 'general', '--clear');
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /no maintenance window/);
  const before = sent.length;
  await withPlatform(tick);
  assert.deepEqual(sent.slice(before).filter((c) => c.name === 'firmware.update').map((c) => c.deviceId).sort(), [...devices].sort(), 'the install goes out once the window no longer holds them');
  const moving = JSON.parse((await vigil('rollout', 'status', id, '--org', 'general', '--json')).stdout) as Status;
  assert.deepEqual([total(moving, 'held'), total(moving, 'sent')], [0, 2]);
});

test('ok/vigil rollout create --site reaches only the devices at that site, and status shows it; fail/a bad site code', { timeout: 200_000 }, async () => {
  const [north, south] = devices;
  const set = await vigil('device', 'site', north ?? '', 'north', '--org', 'general');
  assert.equal(set.code, 0, set.stderr);
  const bad = await vigil('rollout', 'create', '--org', 'general', '--model', 'pulse-ox', '--version', '1.1.0', '--site', 'north wing');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /The site is a code/);
  // The first test's campaign still holds both devices (sent, not installed): a higher priority overlaps it.
  const created = await vigil('rollout', 'create', '--org', 'general', '--model', 'pulse-ox', '--version', '1.1.0', '--site', 'north', '--waves', '100', '--priority', '5');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /\(site north\)/);
  const id = /campaign ([0-9a-f-]{36}) requested/.exec(created.stdout)?.[1] ?? '';
  const status = await vigil('rollout', 'status', id, '--org', 'general', '--json');
  const parsed = JSON.parse(status.stdout) as Status & { campaign: { site: string | null } };
  assert.equal(parsed.campaign.site, 'north');
  assert.equal(total(parsed, 'devices'), 1, 'only the device at north');
  await withPlatform(async (p) => {
    const placed = await p.database.db.selectFrom('rollout_devices').select('device_id').where('campaign_id', '=', id).execute();
    assert.deepEqual(placed.map((r) => r.device_id), [north]);
    assert.ok(south !== undefined && !placed.some((r) => r.device_id === south), 'the site-less device is not in it');
  });
  const text = await vigil('rollout', 'status', id, '--org', 'general');
  assert.match(text.stdout, /pulse-ox -> 1\.1\.0 at site north, pending-approval/);
});
