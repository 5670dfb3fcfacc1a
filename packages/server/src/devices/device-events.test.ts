import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, newId, type RequestContext, type Role } from '../kernel/index.js';
import { applyDeviceEventRetention, DeviceEventService, type DeviceEventStore, type StoredDeviceEvent } from './device-events.js';

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
  deleteReceivedBefore(receivedBefore: string): Promise<number> {
    const before = this.rows.length;
    this.rows.splice(0, this.rows.length, ...this.rows.filter((r) => r.receivedAt >= receivedBefore));
    return Promise.resolve(before - this.rows.length);
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

test('ok/a new high or critical event is handed to onSevere once; medium events and resends are not', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const severe: StoredDeviceEvent[] = [];
  const service = new DeviceEventService({ store: new MemoryEventStore(new Set()), clock, onSevere: (e) => severe.push(e) });
  const device = { deviceId: 'dev-1', orgId: ORG_A };
  const ts = clock.now().toISOString();
  await service.ingest(device, bytes({ v: 1, id: 'm1', ts, kind: 'fault', code: 'battery-low', severity: 'medium' }));
  await service.ingest(device, bytes({ v: 1, id: 'c1', ts, kind: 'alarm', code: 'sensor-fault', severity: 'critical' }));
  await service.ingest(device, bytes({ v: 1, id: 'c1', ts, kind: 'alarm', code: 'sensor-fault', severity: 'critical' }));
  await service.ingest(device, bytes({ v: 1, id: 'h1', ts, kind: 'alarm', code: 'lead-off', severity: 'high' }));
  assert.deepEqual(severe.map((e) => [e.id, e.severity, e.orgId, e.deviceId]), [['c1', 'critical', ORG_A, 'dev-1'], ['h1', 'high', ORG_A, 'dev-1']]);
});

test('ok/retention deletes only events received before the cut-off, and audits the count; nothing to delete, nothing audited', async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const store = new MemoryEventStore(new Set());
  const service = new DeviceEventService({ store, clock });
  const device = { deviceId: 'dev-1', orgId: ORG_A };
  await service.ingest(device, bytes({ v: 1, id: 'old', ts: clock.now().toISOString(), kind: 'notice', code: 'boot', severity: 'info' }));
  clock.advance(10 * 86_400_000);
  await service.ingest(device, bytes({ v: 1, id: 'new', ts: clock.now().toISOString(), kind: 'notice', code: 'boot', severity: 'info' }));
  const audited: Array<Record<string, unknown>> = [];
  const uow = { run: <T>(fn: (s: { events: MemoryEventStore; audit: { record: (c: unknown, e: Record<string, unknown>) => Promise<void> } }) => Promise<T>) => fn({ events: store, audit: { record: (_c, e) => Promise.resolve(void audited.push(e)) } }) };
  const ctx = as(ORG_A, ['org-admin']);
  const result = await applyDeviceEventRetention(uow as never, clock, 5, ctx);
  assert.equal(result.deleted, 1);
  assert.deepEqual(store.rows.map((r) => r.id), ['new']);
  assert.equal(audited.length, 1);
  assert.equal(audited[0]?.['action'], 'devices.events.retention');
  assert.deepEqual((audited[0]?.['details'] as Record<string, unknown>)['deleted'], 1);
  assert.equal((await applyDeviceEventRetention(uow as never, clock, 5, ctx)).deleted, 0);
  assert.equal(audited.length, 1, 'an empty run writes no audit event');
});
