/**
 * Issue 11 item 5, end to end: a device with a valid certificate reconnecting in a tight loop
 * against a real server (SQLite). The connection throttle refuses it at the TLS edge with back-off,
 * and what it costs the security-event store stays bounded: a handful of rows, with the repeated
 * info-level events folded into counted rows, instead of one row per attempt.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../storage/index.js';
import { connectDevice } from './mqtt-clients.js';
import { startFaultServer } from './storage-fault-fixtures.js';

test('fail/a device reconnecting in a tight loop is throttled, and its security events stay bounded and counted', { timeout: 60_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'vigil-flood-'));
  const dataDir = join(root, 'data');
  try {
    // One device's loop is the subject: the per-source throttle (600 at once from 127.0.0.1) is set
    // out of reach, or a fast machine's loop would add the source's own throttle events.
    const fault = await startFaultServer({
      dataDir,
      devices: 1,
      config: { mqtt: { messagesPerSecond: 1000, burst: 1000, storageHoldSeconds: 30, sourceConnectionsPerMinute: 1_000_000, sourceConnectionBurst: 1_000_000 } },
    });
    const device = fault.devices[0]!;
    let attempts = 0;
    let connected = 0;
    try {
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        attempts += 1;
        const r = await connectDevice({ port: fault.server.mqttPort, serverCaPem: fault.serverCaPem, cert: device.cert, clientId: device.id }, 2000);
        if (r.ok) {
          connected += 1;
          r.client.end(true);
        }
      }
    } finally {
      await fault.close();
    }
    const database = await openDatabase({ dataDir });
    try {
      const rows = await database.db.selectFrom('security_events').select(['type', 'reason', 'details']).where('device_id', '=', device.id).execute();
      const throttled = await database.db.selectFrom('security_events').select(['details']).where('reason', '=', 'connection-rate').execute();
      const folded = rows.reduce((n, r) => n + Number((JSON.parse(r.details) as { aggregated?: number }).aggregated ?? 0), 0);
      t.diagnostic(`${attempts} attempts in 5 s, ${connected} admitted; ${rows.length} event rows for the device (${folded} events folded into counted rows), ${throttled.length} throttle events`);
      assert.ok(attempts > 30, `the loop was tight (${attempts})`);
      assert.ok(connected <= 8, `admitted connections bounded by the burst (${connected})`);
      assert.ok(throttled.length >= 1 && throttled.length <= 3, `one throttle event per block (${throttled.length})`);
      assert.ok(rows.length <= 6, `a few rows, not one per attempt (${rows.length})`);
      assert.ok(folded >= connected - 2, 'the repeated connects and disconnects are counted in aggregate rows');
    } finally {
      await database.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
