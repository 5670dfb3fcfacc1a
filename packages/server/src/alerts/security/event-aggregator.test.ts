/** Aggregation of repeated info-level security events into counted rows (issue 11 item 5). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySecurityEventSink, type SecurityEvent } from '../../kernel/index.js';
import { AggregatingSecurityEventSink } from './event-aggregator.js';

const connected = (deviceId: string, severity: SecurityEvent['severity'] = 'info'): SecurityEvent => ({ type: 'mqtt.connected', severity, reason: 'connect', orgId: 'org-1', deviceId, source: '10.0.0.1' });

describe('AggregatingSecurityEventSink', () => {
  it('ok/1000 connects of one device in a window become the first event plus one counted row', () => {
    let now = 0;
    const store = new MemorySecurityEventSink();
    const sink = new AggregatingSecurityEventSink(store, { windowMs: 60_000, now: () => now });
    for (let i = 0; i < 1000; i += 1) {
      now = i * 10;
      sink.emit(connected('dev-1'));
    }
    assert.equal(store.events.length, 1, 'only the first is stored while the window is open');
    sink.close();
    assert.equal(store.events.length, 2);
    assert.equal(store.events[1]?.details?.['aggregated'], 999);
    assert.equal(sink.aggregated, 999);
  });

  it('ok/a new window starts after windowMs; other devices and other reasons are their own rows', () => {
    let now = 0;
    const store = new MemorySecurityEventSink();
    const sink = new AggregatingSecurityEventSink(store, { windowMs: 1000, now: () => now });
    sink.emit(connected('dev-1'));
    sink.emit(connected('dev-1'));
    sink.emit(connected('dev-2'));
    now = 1500;
    sink.emit(connected('dev-1'));
    // dev-1 first, dev-2 first, dev-1 summary (1 more), dev-1 first of the new window
    assert.deepEqual(
      store.events.map((e) => `${e.deviceId}:${String(e.details?.['aggregated'] ?? 0)}`),
      ['dev-1:0', 'dev-2:0', 'dev-1:1', 'dev-1:0'],
    );
    sink.close();
  });

  it('fail/low and higher severities are never aggregated', () => {
    const store = new MemorySecurityEventSink();
    const sink = new AggregatingSecurityEventSink(store, { windowMs: 60_000 });
    for (let i = 0; i < 50; i += 1) sink.emit(connected('dev-1', 'medium'));
    assert.equal(store.events.length, 50);
    sink.close();
  });

  it('ok/memory is bounded: a key pushed out is summarized, not lost', () => {
    const store = new MemorySecurityEventSink();
    const sink = new AggregatingSecurityEventSink(store, { windowMs: 60_000, maxKeys: 10 });
    for (let d = 0; d < 100; d += 1) {
      sink.emit(connected(`dev-${d}`));
      sink.emit(connected(`dev-${d}`));
    }
    sink.close();
    const counted = store.events.reduce((n, e) => n + 1 + Number(e.details?.['aggregated'] ?? 0), 0) - store.events.filter((e) => e.details?.['aggregated'] !== undefined).length;
    assert.equal(counted, 200, 'every event is stored or counted');
  });
});
