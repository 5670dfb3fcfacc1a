import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError, ManualClock } from '../kernel/index.js';
import { parseCidr, SourceBlockList, type SourceBlock } from './block-list.js';

const block = (cidr: string, expiresAt = '2026-01-02T00:00:00.000Z'): SourceBlock => ({ id: cidr, orgId: 'o', incidentId: 'i', cidr, createdAt: '2026-01-01T00:00:00.000Z', expiresAt, createdBy: 'u' });

test('ok/block list: addresses and ranges, IPv4-mapped peers, IPv6; others pass', () => {
  const list = new SourceBlockList(new ManualClock(Date.UTC(2026, 0, 1, 12)));
  list.load([block('203.0.113.9'), block('198.51.100.0/24'), block('2001:db8::/48')]);
  const cases: Array<[string, boolean]> = [
    ['203.0.113.9', true],
    ['::ffff:203.0.113.9', true],
    ['203.0.113.10', false],
    ['198.51.100.200', true],
    ['198.51.101.1', false],
    ['2001:db8:0:1::5', true],
    ['2001:db9::1', false],
    ['not-an-address', false],
    ['', false],
  ];
  for (const [address, blocked] of cases) assert.equal(list.isBlocked(address), blocked, address);
});

test('ok/an expired block stops refusing without a reload', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 59));
  const list = new SourceBlockList(clock);
  list.load([block('203.0.113.9')]);
  assert.equal(list.isBlocked('203.0.113.9'), true);
  clock.advance(60_001);
  assert.equal(list.isBlocked('203.0.113.9'), false);
});

test('fail/parseCidr refuses what is not an address or a narrow range', () => {
  for (const bad of ['example.org', '203.0.113.9/33', '203.0.113.9/', '203.0.113.9/8', '10.0.0.0/15', '2001:db8::/31', '203.0.113.9/2x', '1.2.3']) {
    assert.throws(() => parseCidr(bad), (e: unknown) => isAppError(e) && e.code === 'INCIDENT_INVALID', bad);
  }
  assert.deepEqual(parseCidr('10.1.0.0/16'), { address: '10.1.0.0', prefix: 16, family: 'ipv4' });
});
