/** The lifecycle state machine and the notifier, table-driven. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceAccessNotifier } from './access-notifier.js';
import { canTransition, normalizeSerial, type DeviceStatus } from './model.js';

const transitions: readonly [DeviceStatus, DeviceStatus, boolean][] = [
  ['pending', 'active', true],
  ['active', 'quarantined', true],
  ['quarantined', 'active', true],
  ['active', 'revoked', true],
  ['quarantined', 'revoked', true],
  ['revoked', 'decommissioned', true],
  ['revoked', 'active', false],
  ['revoked', 'quarantined', false],
  ['decommissioned', 'active', false],
  ['decommissioned', 'revoked', false],
  ['active', 'pending', false],
  ['active', 'active', false],
];

describe('device lifecycle', () => {
  for (const [from, to, allowed] of transitions) {
    it(`${allowed ? 'ok' : 'fail'}/${from}->${to}`, () => assert.equal(canTransition(from, to), allowed));
  }

  it('ok/serials compare without case or leading zeros', () => {
    assert.equal(normalizeSerial('0A1B'), normalizeSerial('a1b'));
    assert.equal(normalizeSerial('00'), '0');
  });
});

describe('access notifier', () => {
  it('ok/every listener hears a withdrawal once, even if one throws', () => {
    const errors: unknown[] = [];
    const notifier = new DeviceAccessNotifier((e) => errors.push(e));
    const heard: string[] = [];
    notifier.onRevoked(() => {
      throw new Error('broken listener');
    });
    const off = notifier.onRevoked((id, reason) => heard.push(`${id}:${reason}`));
    notifier.notify('d1', 'revoked', 't1');
    notifier.notify('d1', 'revoked', 't1');
    notifier.notify('d2', 'quarantined', 't1');
    off();
    notifier.notify('d3', 'revoked', 't2');
    assert.deepEqual(heard, ['d1:revoked', 'd2:quarantined']);
    assert.equal(errors.length, 3);
  });
});
