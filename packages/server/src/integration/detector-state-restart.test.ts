/**
 * Issue 11 item 5, "the flapping detector's state ... must survive a restart": nine connects of a
 * device, a restart of the platform (state saved in system_meta, loaded at start), then the tenth
 * connect raises the flapping alert. Without the saved state the count would start again at zero.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoreDetectorState, saveDetectorState } from '../composition/security-events.js';
import { openPlatform } from '../main.js';
import { createLogger } from '../observability/index.js';
import { securityAlertStore } from '../storage/index.js';
import { makePlatform } from './fixtures.js';

const connect = { type: 'mqtt.connected', severity: 'info' as const, reason: 'connect', orgId: 'org-restart', deviceId: 'dev-restart-1', source: '10.0.0.9' };

test('ok/the flapping count survives a restart: 9 connects, restart, the 10th raises the alert', async () => {
  const tp = await makePlatform();
  try {
    const { clock, config } = tp;
    for (let i = 0; i < 9; i += 1) {
      clock.advance(30_000);
      tp.platform.security.engine.emit(connect);
    }
    await saveDetectorState(tp.platform);
    await tp.platform.close();

    const again = await openPlatform({ config, env: {}, clock });
    try {
      await restoreDetectorState(again, createLogger({ level: 'silent' }));
      clock.advance(30_000);
      again.security.engine.emit(connect);
      await again.security.alerts.flush();
      const alerts = await securityAlertStore(again.database.db).list({ detector: 'device-flapping', limit: 10 });
      assert.equal(alerts.length, 1, 'the tenth connect after the restart fires');
      assert.equal(alerts[0]?.subject.id, 'dev-restart-1');
    } finally {
      await again.close();
    }
  } finally {
    await tp.dispose();
  }
});
