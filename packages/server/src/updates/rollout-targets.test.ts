/** selectTargets: the campaign's target set from whatever the registry answered (even unnarrowed). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutDevice } from './rollout-ports.js';
import { selectTargets } from './rollout-targets.js';

const d = (id: string, over: Partial<RolloutDevice> = {}): RolloutDevice => ({ id, model: 'pulse-ox', status: 'active', groups: [], site: null, firmwareVersion: '1.0.0', ...over });
const FLEET: RolloutDevice[] = [
  d('north-a', { site: 'north', groups: ['ward-a'] }),
  d('north-b', { site: 'north', groups: ['ward-b'], firmwareVersion: '2.0.0' }),
  d('north-quarantined', { site: 'north', status: 'quarantined' }),
  d('north-other-model', { site: 'north', model: 'pulse-2' }),
  d('NORTH-case', { site: 'North' }),
  d('south-a', { site: 'south', groups: ['ward-a'] }),
  d('none-a', { groups: ['ward-a'] }),
  { id: 'legacy', model: 'pulse-ox', status: 'active', groups: [], firmwareVersion: '1.0.0' },
];
const ids = (devices: readonly RolloutDevice[]) => devices.map((x) => x.id);

test('ok/a site keeps only active devices of the model at exactly that site', () => {
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'north' })), ['north-a', 'north-b']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'south' })), ['south-a']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'east' })), []);
});

test('ok/no site: every site and none; fail/a site never matches a site-less device (null or absent)', () => {
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', {})), ['north-a', 'north-b', 'NORTH-case', 'south-a', 'none-a', 'legacy']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: null })), ids(selectTargets(FLEET, 'pulse-ox', {})));
  assert.ok(!ids(selectTargets(FLEET, 'pulse-ox', { site: 'north' })).some((id) => id === 'none-a' || id === 'legacy'));
});

test('ok/site, groups and version range combine (all must hold)', () => {
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'north', groups: ['ward-a'] })), ['north-a']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { groups: ['ward-a'] })), ['north-a', 'south-a', 'none-a']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'north', fromMin: '1.5.0' })), ['north-b']);
  assert.deepEqual(ids(selectTargets(FLEET, 'pulse-ox', { site: 'north', fromMax: '1.5.0' })), ['north-a']);
});
