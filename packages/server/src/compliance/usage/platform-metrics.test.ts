/** The storage-fault metrics of issue 17 and the aggregation counter of issue 11 item 5. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlatformMetrics } from './platform-metrics.js';

test('ok/commit failures by cause, readiness, devices waiting, events not stored and aggregated', async () => {
  const metrics = new PlatformMetrics({
    storageFailures: () => ({ 'disk-full': 3, unreachable: 0 }),
    storageHealthy: () => false,
    devicesWaiting: () => 2,
    securityEventsNotStored: () => 5,
    securityEventsAggregated: () => 999,
  });
  const text = await metrics.text();
  assert.match(text, /vigil_storage_commit_failures_total\{cause="disk-full"\} 3/);
  assert.match(text, /vigil_storage_commit_failures_total\{cause="unreachable"\} 0/);
  assert.match(text, /vigil_storage_ready 0/);
  assert.match(text, /vigil_mqtt_devices_waiting 2/);
  assert.match(text, /vigil_security_events_not_stored_total 5/);
  assert.match(text, /vigil_security_events_aggregated_total 999/);
});

test('ok/without the sources the scrape still answers, with no failure counted', async () => {
  const text = await new PlatformMetrics({}).text();
  assert.match(text, /# HELP vigil_storage_commit_failures_total/);
  assert.doesNotMatch(text, /vigil_storage_commit_failures_total\{/);
});
