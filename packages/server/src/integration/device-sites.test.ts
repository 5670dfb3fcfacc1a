/**
 * Device sites and rollouts narrowed by site, over the real SQL stores and audit log on SQLite and
 * (with VIGIL_TEST_DATABASE_URL) PostgreSQL:
 *
 *  - PUT site (DeviceService.setSite): set, clear, audited `devices.device.set_site` in the same
 *    transaction; denied for another organization's device (404), a role without devices:manage
 *    (403) and a bad code (VALIDATION_FAILED), with nothing stored and nothing audited;
 *  - a campaign with a site reaches only that site's devices of the model (not another site's, not
 *    site-less ones, not another model's), and a device set to the site later joins at the next
 *    engine tick. The registry port is the composition's query (DeviceStore.list by model and site).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuditLog } from '../audit/index.js';
import { DeviceService, type Device, type DeviceScope, type DeviceServiceOptions } from '../devices/index.js';
import { ManualClock, type ErrorCode, isAppError } from '../kernel/index.js';
import { auditStore, deviceCertificateStore, deviceStore, enrollmentTokenStore, firmwareStore, rolloutStore, SqlUnitOfWork, type Executor } from '../storage/index.js';
import { testAdapters, withTestDatabase } from '../storage/contract/adapters.js';
import type { SqlDatabase } from '../storage/sql-database.js';
import { RolloutService, UPDATE_COMMAND, type RolloutScope } from '../updates/index.js';
import { contextOf, makeUser } from './patients-fixtures.js';

const ORG = 'org-sites';
const OTHER = 'org-elsewhere';
const T0 = '2026-11-28T12:00:00.000Z';
const clock = new ManualClock(Date.parse(T0));
const noSigner = () => {
  throw new Error('no checkpoint expected in this test');
};

function device(id: string, site: string | null, over: Partial<Device> = {}): Device {
  return {
    id,
    orgId: ORG,
    model: 'pulse-ox',
    serial: `SN-${id}`,
    udi: null,
    firmwareVersion: '1.0.0',
    status: 'active',
    statusReason: 'enrolled',
    statusChangedAt: T0,
    groups: [],
    site,
    createdAt: T0,
    lastSeenAt: null,
    lastSeenAddress: null,
    certificate: null,
    ...over,
  };
}

const code = (expected: ErrorCode) => (error: unknown) => isAppError(error) && error.code === expected;

/** A part the site calls never reach: any use fails the test. */
const unused = new Proxy({}, { get: (_t, name) => { throw new Error(`not used by setSite: ${String(name)}`); } });

function services(database: SqlDatabase) {
  const log = new AuditLog({ signer: noSigner, clock, checkpointEvery: 1_000_000, checkpointIntervalSeconds: 60 });
  const audit = (e: Executor) => log.writer(auditStore(e, database.dialect));
  const deviceUow = new SqlUnitOfWork<DeviceScope>(database, (e) => ({ devices: deviceStore(e), tokens: enrollmentTokenStore(e), certificates: deviceCertificateStore(e), audit: audit(e) }));
  const devices = new DeviceService({
    uow: deviceUow,
    certificates: unused as DeviceServiceOptions['certificates'],
    ca: unused as DeviceServiceOptions['ca'],
    authenticator: unused as DeviceServiceOptions['authenticator'],
    notifier: unused as DeviceServiceOptions['notifier'],
    security: unused as DeviceServiceOptions['security'],
    clock,
    mqttPort: 0,
  });
  const sent: string[] = [];
  const rollouts = new RolloutService(
    new SqlUnitOfWork<RolloutScope>(database, (e) => ({ rollouts: rolloutStore(e), firmware: firmwareStore(e), audit: audit(e) })),
    {
      // As composition/updates.ts wires it: the registry's query narrows by model and site.
      devices: async (orgId, model, site) =>
        (await deviceStore(database.db).list(orgId, { model, site })).map((d) => ({ id: d.id, model: d.model, status: d.status, groups: d.groups, site: d.site ?? null, firmwareVersion: d.firmwareVersion })),
      alertedDevices: () => Promise.resolve(new Set<string>()),
      halted: () => undefined,
    },
    clock,
  );
  rollouts.attachCommands({ send: (_org, deviceId, name) => Promise.resolve(void (name === UPDATE_COMMAND && sent.push(deviceId))) });
  return { devices, rollouts, sent };
}

async function auditActions(database: SqlDatabase, action: string): Promise<Array<{ target_id: string; details: unknown }>> {
  return database.db.selectFrom('audit_events').select(['target_id', 'details']).where('action', '=', action).orderBy('seq').execute();
}

function detailsOf(row: { details: unknown } | undefined): Record<string, unknown> {
  const details = row?.details;
  return (typeof details === 'string' ? JSON.parse(details) : details) as Record<string, unknown>;
}

async function publishRelease(database: SqlDatabase): Promise<void> {
  const s = firmwareStore(database.db);
  await s.insertImage({ sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), length: 1000, model: 'pulse-ox', uploadedAt: T0, uploadedBy: 'cli:test' });
  await s.insertRelease(
    {
      id: 'r-1.1.0',
      model: 'pulse-ox',
      version: '1.1.0',
      minVersion: '0.0.0',
      hardwareRevisions: ['rev-a'],
      notes: 'n',
      targetPath: 'pulse-ox/1.1.0/firmware.bin',
      sha256: 'a'.repeat(64),
      sha512: 'b'.repeat(128),
      length: 1000,
      supportEndsAt: '2030-01-01',
      endOfLifeAt: '2031-01-01',
      sbom: { specVersion: '1.6', serialNumber: null, components: [] },
      createdAt: T0,
      createdBy: 'cli:test',
    },
    '{}',
  );
}

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/device sites`, () => {
    const admin = contextOf(makeUser(ORG, ['org-admin'], 'admin'));

    test('ok/a site is set, read back, listed by site and cleared; each change audited as devices.device.set_site', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        const { devices } = services(database);
        await deviceStore(database.db).insert(device('d-1', null));
        await deviceStore(database.db).insert(device('d-2', null));
        const set = await devices.setSite(admin, { deviceId: 'd-1' }, 'st-marys');
        assert.equal(set.site, 'st-marys');
        assert.equal((await devices.get(admin, { deviceId: 'd-1' })).site, 'st-marys');
        assert.equal((await devices.get(admin, { deviceId: 'd-2' })).site, null);
        const page = await devices.page(admin, { site: 'st-marys' }, {});
        assert.deepEqual(page.items.map((d) => d.id), ['d-1'], 'the list filters by site');
        assert.deepEqual((await devices.list(admin, { site: 'st-marys' })).map((d) => d.id), ['d-1']);
        const cleared = await devices.setSite(admin, { deviceId: 'd-1' }, null);
        assert.equal(cleared.site, null);
        assert.equal((await deviceStore(database.db).find(ORG, 'd-1'))?.site, null);
        const audit = await auditActions(database, 'devices.device.set_site');
        assert.deepEqual(audit.map((a) => a.target_id), ['d-1', 'd-1']);
        assert.deepEqual(detailsOf(audit[0]), { site: 'st-marys', previous: 'none' });
        assert.deepEqual(detailsOf(audit[1]), { site: 'none', previous: 'st-marys' });
      }));

    test('fail/another organization\'s device is 404, a role without devices:manage is 403, a bad code is refused: nothing stored, nothing audited', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        const { devices } = services(database);
        await deviceStore(database.db).insert(device('d-1', 'north'));
        await deviceStore(database.db).insert(device('d-x', 'north', { orgId: OTHER }));
        const outsider = contextOf(makeUser(OTHER, ['org-admin'], 'outsider'));
        await assert.rejects(devices.setSite(outsider, { deviceId: 'd-1' }, 'south'), code('DEVICE_NOT_FOUND'), "another tenant's device does not exist");
        await assert.rejects(devices.setSite(admin, { deviceId: 'd-x' }, 'south'), code('DEVICE_NOT_FOUND'), 'nor from this side');
        await assert.rejects(devices.setSite(admin, { deviceId: 'd-x', orgId: OTHER }, 'south'), code('DEVICE_NOT_FOUND'), "a user's explicit org id is ignored: still not found");
        for (const roles of [['technician'], ['clinician'], ['auditor']] as const) {
          await assert.rejects(devices.setSite(contextOf(makeUser(ORG, roles)), { deviceId: 'd-1' }, 'south'), code('FORBIDDEN'), roles.join());
        }
        for (const bad of ['', ' south', 'south wing', '-south', 'a/b', 'x'.repeat(65), "o'neil", 'süd']) {
          await assert.rejects(devices.setSite(admin, { deviceId: 'd-1' }, bad), code('VALIDATION_FAILED'), JSON.stringify(bad));
        }
        assert.equal((await deviceStore(database.db).find(ORG, 'd-1'))?.site, 'north', 'unchanged');
        assert.equal((await deviceStore(database.db).find(OTHER, 'd-x'))?.site, 'north', 'unchanged');
        assert.equal((await auditActions(database, 'devices.device.set_site')).length, 0);
      }));

    test('ok/a campaign with a site reaches only that site\'s devices of the model; a device set to the site later joins at the next tick', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        const { devices, rollouts, sent } = services(database);
        await publishRelease(database);
        const store = deviceStore(database.db);
        await store.insert(device('north-1', 'north'));
        await store.insert(device('north-2', 'north'));
        await store.insert(device('north-old-model', 'north', { model: 'pulse-2' }));
        await store.insert(device('north-quarantined', 'north', { status: 'quarantined' }));
        await store.insert(device('south-1', 'south'));
        await store.insert(device('nowhere-1', null));
        await store.insert(device('elsewhere-1', 'north', { orgId: OTHER }));
        const requester = contextOf(makeUser(ORG, ['org-admin'], 'requester'));
        const approver = contextOf(makeUser(ORG, ['security-officer'], 'approver'));

        await assert.rejects(rollouts.create(requester, { model: 'pulse-ox', version: '1.1.0', site: 'no such site' }), code('UPDATES_ROLLOUT_INVALID'));
        const campaign = await rollouts.create(requester, { model: 'pulse-ox', version: '1.1.0', site: 'north', waves: [100], soakSeconds: 0 });
        assert.equal(campaign.site, 'north');
        const placed = async () => (await rolloutStore(database.db).devices(campaign.id)).map((d) => d.deviceId).sort();
        assert.deepEqual(await placed(), ['north-1', 'north-2'], 'only active pulse-ox devices at north');
        const stored = await rolloutStore(database.db).find(ORG, campaign.id);
        assert.equal(stored?.site, 'north', 'the site is stored with the campaign');
        assert.equal((await rollouts.status(requester, campaign.id)).campaign.site, 'north');

        await rollouts.approve(approver, campaign.id);
        await rollouts.tick();
        assert.deepEqual([...sent].sort(), ['north-1', 'north-2'], 'the update goes to the site only');

        // Later: a site-less device moves to north (joins); one moves to south (does not).
        await devices.setSite(admin, { deviceId: 'nowhere-1' }, 'north');
        await store.insert(device('north-late', 'north', { createdAt: '2026-11-28T13:00:00.000Z' }));
        await store.insert(device('south-late', 'south', { createdAt: '2026-11-28T13:00:00.000Z' }));
        await rollouts.tick();
        assert.deepEqual(await placed(), ['north-1', 'north-2', 'north-late', 'nowhere-1']);
        assert.deepEqual([...sent].sort(), ['north-1', 'north-2', 'north-late', 'nowhere-1'], 'the later devices of the site are sent the update; no other device ever is');
        const created = await auditActions(database, 'updates.rollout.create');
        assert.equal(detailsOf(created[0])['site'], 'north');

        // Without a site the same model's campaign reaches every site (and site-less devices).
        await rollouts.abort(requester, campaign.id);
        const everywhere = await rollouts.create(requester, { model: 'pulse-ox', version: '1.1.0', waves: [100] });
        assert.equal(everywhere.site, null);
        assert.deepEqual((await rolloutStore(database.db).devices(everywhere.id)).map((d) => d.deviceId).sort(), ['north-1', 'north-2', 'north-late', 'nowhere-1', 'south-1', 'south-late']);
      }));
  });
}
