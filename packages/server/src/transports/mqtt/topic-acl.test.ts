import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorizeDevicePublish, authorizeDeviceSubscribe } from './topic-acl.js';

const ME = 'device-me-000001';
const OTHER = 'device-other-001';

const publishCases: Array<[string, { topic: string; retain?: boolean; qos?: number }, string]> = [
  ['ok/own telemetry', { topic: `vigil/v1/devices/${ME}/telemetry`, qos: 1 }, 'telemetry'],
  ['ok/own events', { topic: `vigil/v1/devices/${ME}/events`, qos: 1 }, 'events'],
  ['ok/own acks', { topic: `vigil/v1/devices/${ME}/acks`, qos: 0 }, 'acks'],
  ['fail/another device telemetry', { topic: `vigil/v1/devices/${OTHER}/telemetry`, qos: 1 }, 'publish-acl'],
  ['fail/own commands (cloud -> device only)', { topic: `vigil/v1/devices/${ME}/commands`, qos: 1 }, 'publish-acl'],
  ['fail/retained on own commands', { topic: `vigil/v1/devices/${ME}/commands`, qos: 1, retain: true }, 'retained'],
  ['fail/retained on own telemetry', { topic: `vigil/v1/devices/${ME}/telemetry`, qos: 1, retain: true }, 'retained'],
  ['fail/QoS 2', { topic: `vigil/v1/devices/${ME}/telemetry`, qos: 2 }, 'qos'],
  ['fail/$SYS', { topic: '$SYS/broker/x', qos: 0 }, 'publish-acl'],
  ['fail/extra level', { topic: `vigil/v1/devices/${ME}/telemetry/x`, qos: 1 }, 'publish-acl'],
  ['fail/prefix look-alike', { topic: `vigil/v2/devices/${ME}/telemetry`, qos: 1 }, 'publish-acl'],
];
for (const [name, packet, expected] of publishCases) {
  test(`publish ${name}`, () => {
    const d = authorizeDevicePublish(ME, packet);
    assert.equal(d.ok ? d.channel : d.reason, expected);
  });
}

const subscribeCases: Array<[string, string, string]> = [
  ['ok/own commands', `vigil/v1/devices/${ME}/commands`, 'ok'],
  ['ok/own updates', `vigil/v1/devices/${ME}/updates`, 'ok'],
  ['fail/#', '#', 'wildcard'],
  ['fail/+ in own device slot', 'vigil/v1/devices/+/commands', 'wildcard'],
  ['fail/# under own prefix', `vigil/v1/devices/${ME}/#`, 'wildcard'],
  ['fail/another device commands', `vigil/v1/devices/${OTHER}/commands`, 'subscribe-acl'],
  ['fail/own telemetry', `vigil/v1/devices/${ME}/telemetry`, 'subscribe-acl'],
];
for (const [name, filter, expected] of subscribeCases) {
  test(`subscribe ${name}`, () => {
    const d = authorizeDeviceSubscribe(ME, filter);
    assert.equal(d.ok ? 'ok' : d.reason, expected);
  });
}
