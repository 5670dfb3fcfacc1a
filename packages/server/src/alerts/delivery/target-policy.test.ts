import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, test } from 'node:test';
import { createTargetPolicy, TargetRefusedError, type HostResolver } from './target-policy.js';

const policy = createTargetPolicy({ resolver: () => Promise.reject(new Error('no resolution in this test')) });

describe('target policy: resolved addresses', () => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
  ];
  for (const [address, range] of refused) {
    test(`fail/${address} is ${range}`, () => {
      assert.equal(policy.refusedRange(address), range);
    });
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34']) {
    test(`ok/${address} is global unicast`, () => {
      assert.equal(policy.refusedRange(address), null);
    });
  }
  test('fail/a host name is not an address', () => {
    assert.equal(policy.refusedRange('example.org'), 'not-an-address');
  });
});

describe('target policy: hosts known before resolution', () => {
  const refused = ['127.0.0.1', '[::1]', '::1', 'localhost', 'LOCALHOST.', 'api.localhost', '2130706433', '0x7f000001', '0x7f.1', '017700000001', '10.0.0.1', '169.254.169.254', '[::ffff:127.0.0.1]', '[fd00::1]'];
  for (const host of refused) {
    test(`fail/${host}`, () => {
      assert.throws(() => policy.checkHost(host), TargetRefusedError);
    });
  }
  for (const host of ['siem.example.org', '93.184.216.34', '[2606:4700:4700::1111]']) {
    test(`ok/${host} (a name is judged when it resolves)`, () => {
      assert.doesNotThrow(() => policy.checkHost(host));
    });
  }
});

describe('target policy: the operator allowlist', () => {
  const onPrem = createTargetPolicy({ allowedTargets: ['127.0.0.0/8', '::1/128', '10.20.0.0/16', '192.168.7.9'] });
  test('ok/allowlisted ranges and addresses, IPv4-mapped forms included', () => {
    for (const a of ['127.0.0.1', '::1', '10.20.3.4', '192.168.7.9', '::ffff:127.0.0.1', '::ffff:10.20.0.1']) assert.equal(onPrem.refusedRange(a), null, a);
    assert.doesNotThrow(() => onPrem.checkHost('localhost'));
  });
  test('fail/everything else stays refused', () => {
    for (const a of ['10.21.0.1', '192.168.7.10', '169.254.169.254', 'fd00::1']) assert.notEqual(onPrem.refusedRange(a), null, a);
  });
  test('fail/an entry that is not a range refuses to build', () => {
    assert.throws(() => createTargetPolicy({ allowedTargets: ['10.0.0.0/33'] }), /not a CIDR/);
    assert.throws(() => createTargetPolicy({ allowedTargets: ['intranet'] }), /not a CIDR/);
  });
});

function lookupOnce(resolver: HostResolver, all: boolean): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[] }> {
  const p = createTargetPolicy({ resolver });
  return new Promise((resolve) => {
    p.lookup('receiver.test', { all }, (error, address) => resolve({ error, address }));
  });
}

describe('target policy: the socket lookup', () => {
  test('fail/a name resolving to an internal address is refused at connect', async () => {
    const { error } = await lookupOnce(() => Promise.resolve([{ address: '169.254.169.254', family: 4 }]), false);
    assert.ok(error instanceof TargetRefusedError);
    assert.equal(error.range, 'linkLocal');
  });
  test('fail/one internal address among public ones refuses the name', async () => {
    const { error } = await lookupOnce(() => Promise.resolve([{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.1', family: 4 }]), true);
    assert.ok(error instanceof TargetRefusedError);
  });
  test('ok/public addresses are handed to the socket as resolved (one resolution: pinned)', async () => {
    let calls = 0;
    const resolver: HostResolver = () => {
      calls += 1;
      return Promise.resolve([{ address: '93.184.216.34', family: 4 }]);
    };
    const one = await lookupOnce(resolver, false);
    assert.equal(one.error, null);
    assert.equal(one.address, '93.184.216.34');
    const all = await lookupOnce(resolver, true);
    assert.deepEqual(all.address, [{ address: '93.184.216.34', family: 4 }]);
    assert.equal(calls, 2, 'one resolution per connect');
  });
  test('fail/no address', async () => {
    const { error } = await lookupOnce(() => Promise.resolve([]), false);
    assert.equal(error?.code, 'ENOTFOUND');
  });
});
