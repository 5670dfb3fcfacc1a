/** The DeviceStore, EnrollmentTokenStore and DeviceCertificateStore contract. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Device } from '../../devices/index.js';
import { deviceCertificateStore, deviceStore, enrollmentTokenStore } from '../stores/device-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const T0 = '2026-01-01T00:00:00.000Z';

function device(id: string, orgId = 'org-a', overrides: Partial<Device> = {}): Device {
  return {
    id,
    orgId,
    model: 'pulse-2',
    serial: `SN-${id}`,
    udi: null,
    firmwareVersion: '1.0.0',
    status: 'active',
    statusReason: 'enrolled',
    statusChangedAt: T0,
    groups: ['ward-3'],
    site: null,
    createdAt: T0,
    lastSeenAt: null,
    lastSeenAddress: null,
    certificate: { serial: `c-${id}`, notAfter: '2026-04-01T00:00:00.000Z', fingerprint: 'ab'.repeat(32) },
    ...overrides,
  };
}

export function deviceStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/devices are read back whole, and only within their organization', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      await store.insert(device('d1'));
      await store.insert(device('d2', 'org-b'));
      assert.deepEqual(await store.find('org-a', 'd1'), device('d1'));
      assert.equal(await store.find('org-b', 'd1'), undefined, 'cross-tenant lookup finds nothing');
      assert.deepEqual((await store.list('org-a')).map((d) => d.id), ['d1']);
    }));

  test('ok/status moves only from an expected status; a live serial is unique', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      await store.insert(device('d1'));
      await assert.rejects(store.insert(device('d2', 'org-a', { serial: 'SN-d1' })), 'second live unit with the same serial');
      assert.equal(await store.updateStatus('org-a', 'd1', ['quarantined'], 'active', T0, 'x'), false);
      assert.equal(await store.updateStatus('org-b', 'd1', ['active'], 'revoked', T0, 'x'), false, 'other org');
      assert.equal(await store.updateStatus('org-a', 'd1', ['active'], 'revoked', '2026-01-02T00:00:00.000Z', 'lost-device'), true);
      assert.equal((await store.find('org-a', 'd1'))?.status, 'revoked');
      assert.equal(await store.findLive('org-a', 'pulse-2', 'SN-d1'), undefined);
      await store.insert(device('d3', 'org-a', { serial: 'SN-d1' }));
      assert.equal((await store.findLive('org-a', 'pulse-2', 'SN-d1'))?.id, 'd3', 'a revoked unit can be enrolled again');
      const changes = await store.statusChangesSince('2026-01-02T00:00:00.000Z', 10);
      assert.deepEqual(changes, [{ id: 'd1', orgId: 'org-a', status: 'revoked', statusChangedAt: '2026-01-02T00:00:00.000Z' }]);
    }));

  test('ok/a site is set and cleared within the organization only; list and page narrow by model and site', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      await store.insert(device('d1'));
      await store.insert(device('d2', 'org-a', { site: 'north' }));
      await store.insert(device('d3', 'org-a', { site: 'north', model: 'pulse-3' }));
      await store.insert(device('d4', 'org-b', { site: 'north' }));
      assert.equal((await store.find('org-a', 'd1'))?.site, null, 'no site by default');
      assert.equal(await store.setSite('org-b', 'd1', 'south'), false, 'another organization: nothing written');
      assert.equal((await store.find('org-a', 'd1'))?.site, null);
      assert.equal(await store.setSite('org-a', 'd1', 'north'), true);
      assert.deepEqual((await store.list('org-a', { site: 'north' })).map((d) => d.id), ['d1', 'd2', 'd3']);
      assert.deepEqual((await store.list('org-a', { site: 'north', model: 'pulse-2' })).map((d) => d.id), ['d1', 'd2']);
      assert.deepEqual((await store.list('org-a', { site: 'south' })).map((d) => d.id), []);
      const page = await store.page('org-a', { site: 'north', model: 'pulse-3' }, { sort: 'serial', direction: 'asc', limit: 10, after: null });
      assert.deepEqual(page.map((d) => d.id), ['d3']);
      assert.equal(await store.setSite('org-a', 'd1', null), true);
      assert.equal((await store.find('org-a', 'd1'))?.site, null, 'cleared');
      assert.deepEqual((await store.list('org-b', { site: 'north' })).map((d) => d.id), ['d4']);
    }));

  test('ok/markSeen only moves last seen forward', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      await store.insert(device('d1'));
      await store.markSeen([{ id: 'd1', at: '2026-01-03T00:00:00.000Z', address: '10.0.0.1' }]);
      await store.markSeen([{ id: 'd1', at: '2026-01-02T00:00:00.000Z', address: '10.0.0.2' }]);
      const found = await store.find('org-a', 'd1');
      assert.equal(found?.lastSeenAt, '2026-01-03T00:00:00.000Z');
      assert.equal(found?.lastSeenAddress, '10.0.0.1');
    }));

  test('ok/an enrolment token is consumed once, and never after it expired', () =>
    withTestDatabase(open, async (t) => {
      const store = enrollmentTokenStore(t.database.db);
      const token = { id: 't1', orgId: 'org-a', model: 'pulse-2', tokenHash: 'h1', createdAt: T0, createdBy: 'cli:op', expiresAt: '2026-01-01T01:00:00.000Z', consumedAt: null, deviceId: null };
      await store.insert(token);
      await store.insert({ ...token, id: 't2', tokenHash: 'h2' });
      assert.deepEqual(await store.findByHash('h1'), token);
      const results = await Promise.all([store.consume('t1', '2026-01-01T00:10:00.000Z', 'd1'), store.consume('t1', '2026-01-01T00:10:00.000Z', 'd2')]);
      assert.deepEqual(results.sort(), [false, true]);
      assert.equal(await store.consume('t2', '2026-01-01T01:00:00.000Z', 'd3'), false, 'expired at its expiry instant');
      await assert.rejects(store.insert({ ...token, id: 't3' }), 'duplicate hash');
    }));

  test('ok/certificates revoke per device and list revoked unexpired ones', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceCertificateStore(t.database.db);
      const cert = (serial: string, deviceId: string, notAfter = '2026-04-01T00:00:00.000Z') => ({
        serial, orgId: 'org-a', deviceId, fingerprint: 'ff', notBefore: T0, notAfter, issuedAt: T0, revokedAt: null, revocationReason: null,
      });
      await store.insert(cert('a1', 'd1'));
      await store.insert(cert('a2', 'd1'));
      await store.insert(cert('b1', 'd2'));
      await store.insert(cert('c1', 'd3', '2026-01-01T12:00:00.000Z'));
      assert.deepEqual((await store.revokeAllOf('org-a', 'd1', '2026-01-01T01:00:00.000Z', 'key-compromise')).sort(), ['a1', 'a2']);
      assert.deepEqual(await store.revokeAllOf('org-b', 'd2', T0, 'x'), [], 'other org');
      assert.equal(await store.revoke('org-a', 'c1', '2026-01-01T02:00:00.000Z', 'superseded'), true);
      assert.equal(await store.revoke('org-a', 'c1', '2026-01-01T03:00:00.000Z', 'superseded'), false);
      const revoked = await store.revokedUnexpired('2026-01-02T00:00:00.000Z');
      assert.deepEqual(revoked.map((r) => r.serial).sort(), ['a1', 'a2']);
      assert.equal(revoked[0]?.reason, 'key-compromise');
    }));
}
