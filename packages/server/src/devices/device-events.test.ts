import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, newId, type RequestContext, type Role } from '../kernel/index.js';
import { DeviceEventService, type DeviceEventStore, type StoredDeviceEvent } from './device-events.js';

class MemoryEventStore implements DeviceEventStore {
  readonly rows: StoredDeviceEvent[] = [];
  constructor(private readonly devices: ReadonlySet<string>) {}
  insert(e: StoredDeviceEvent): Promise<boolean> {
    if (this.rows.some((r) => r.deviceId === e.deviceId && r.id === e.id)) return Promise.resolve(false);
    this.rows.push(e);
    return Promise.resolve(true);
  }
  list(orgId: string, deviceId: string, o: { before?: { receivedAt: string; id: string } | undefined; limit: number }): Promise<StoredDeviceEvent[]> {
    const key = (e: { receivedAt: string; id: string }) => `${e.receivedAt}|${e.id}`;
    return Promise.resolve(
      this.rows
        .filter((r) => r.orgId === orgId && r.deviceId === deviceId && (o.before === undefined || key(r) < key(o.before)))
        .sort((a, b) => key(b).localeCompare(key(a)))
        .slice(0, o.limit),
    );
  }
  deviceExists(orgId: string, deviceId: string): Promise<boolean> {
    return Promise.resolve(this.devices.has(`${orgId}/${deviceId}`));
  }
}

const ORG_A = newId();
const ORG_B = newId();
const as = (orgId: string, roles: Role[]): RequestContext => ({ principal: { kind: 'user', id: newId(), orgId, username: 'u', roles, sessionId: newId(), mfa: true }, requestId: 'r', source: 's' });
const bytes = (o: object) => new TextEncoder().encode(JSON.stringify(o));

test('ok/events are validated, stored once, and paged newest first; fail/other tenant 404, no permission 403', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const store = new MemoryEventStore(new Set([`${ORG_A}/dev-1`]));
  const service = new DeviceEventService({ store, clock });
  const device = { deviceId: 'dev-1', orgId: ORG_A };
  for (let i = 0; i < 5; i += 1) {
    clock.advance(1000);
    const outcome = await service.ingest(device, bytes({ v: 1, id: `e${i}`, ts: clock.now().toISOString(), kind: 'fault', code: 'sensor-fault', severity: 'medium' }));
    assert.equal(outcome.status, 'stored');
  }
  assert.equal((await service.ingest(device, bytes({ v: 1, id: 'e0', ts: clock.now().toISOString(), kind: 'fault', code: 'x', severity: 'low' }))).status, 'duplicate');
  assert.deepEqual(await service.ingest(device, new TextEncoder().encode('{not json')), { status: 'rejected', reason: 'malformed' });
  assert.deepEqual(await service.ingest(device, bytes({ v: 1, id: 'e9', ts: clock.now().toISOString(), kind: 'fault', code: 'x', severity: 'loud' })), { status: 'rejected', reason: 'bad-severity' });
  const tech = as(ORG_A, ['technician']);
  const first = await service.list(tech, 'dev-1', { limit: 2 });
  assert.deepEqual(first.events.map((e) => e.id), ['e4', 'e3']);
  assert.ok(first.next);
  const second = await service.list(tech, 'dev-1', { limit: 2, before: first.next });
  assert.deepEqual(second.events.map((e) => e.id), ['e2', 'e1']);
  const third = await service.list(tech, 'dev-1', { limit: 2, before: second.next ?? '' });
  assert.deepEqual(third.events.map((e) => e.id), ['e0']);
  assert.equal(third.next, null);
  await assert.rejects(service.list(as(ORG_B, ['org-admin']), 'dev-1', {}), { code: 'DEVICE_NOT_FOUND' });
  await assert.rejects(service.list(as(ORG_A, ['clinician']), 'dev-1', {}), { code: 'FORBIDDEN' });
  await assert.rejects(service.list(tech, 'dev-1', { before: 'garbage' }), { code: 'VALIDATION_FAILED' });
});
