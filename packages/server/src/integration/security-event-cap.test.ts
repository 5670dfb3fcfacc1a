/**
 * Issue 11 item 5, "cap the security-event store by retention and size with an alert": on a real
 * SQLite platform, events past the retention are deleted, the store is trimmed to maxRows (info
 * first, oldest first), the run is audited, and a platform alert says the cap was reached.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSecurityEventRetention } from '../composition/security-events.js';
import { newId, type SecuritySeverity } from '../kernel/index.js';
import { createLogger } from '../observability/index.js';
import { securityAlertStore, securityEventStore } from '../storage/index.js';
import { makePlatform } from './fixtures.js';

test('ok/retention and the size cap: old events go, the oldest info events are trimmed first, audited, and a platform alert is raised', async () => {
  const tp = await makePlatform();
  try {
    const { platform, clock } = tp;
    const store = securityEventStore(platform.database.db);
    const now = clock.now().getTime();
    const add = async (i: number, ageDays: number, severity: SecuritySeverity) =>
      store.insert({ id: newId(), time: new Date(now - ageDays * 86_400_000 - i).toISOString(), type: 'mqtt.connected', severity, reason: 'connect', deviceId: `dev-${i % 7}` });
    for (let i = 0; i < 50; i += 1) await add(i, 500, 'info'); // past a 400-day retention
    for (let i = 0; i < 1200; i += 1) await add(i, 1, 'info');
    for (let i = 0; i < 100; i += 1) await add(i, 2, 'high'); // older than the info ones, kept: info goes first
    const before = (await platform.auditReader().head())?.seq ?? 0;
    await runSecurityEventRetention(platform, { retentionDays: 400, maxRows: 1000 }, createLogger({ level: 'silent' }));
    const rows = await platform.database.db.selectFrom('security_events').select(['severity']).execute();
    assert.equal(rows.length, 1000);
    assert.equal(rows.filter((r) => r.severity === 'high').length, 100, 'higher severities are kept while info events remain');
    const audited = await platform.database.db.selectFrom('audit_events').select(['action', 'seq']).where('action', '=', 'security.events.retention.apply').execute();
    assert.equal(audited.length, 1, 'one audit event for the run');
    assert.ok(Number(audited[0]?.seq) > before);
    await platform.security.alerts.flush();
    const alerts = await securityAlertStore(platform.database.db).list({ detector: 'security-event-store-cap', limit: 10 });
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.orgId, null, 'a platform alert');
    assert.equal(alerts[0]?.count, 300);
  } finally {
    await tp.dispose();
  }
});
