/**
 * Issue 11 item 4: a security alert delivery waiting in back-off survives a restart of the
 * platform (SQLite, the real outbox table), and the default policy keeps channels off loopback
 * unless the operator allows it (delivery.allowedTargets).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { SecurityAlert } from '../alerts/index.js';
import { sampleAlert } from '../alerts/delivery/delivery-fakes.js';
import { newId, type RequestContext } from '../kernel/index.js';
import { openPlatform } from '../main.js';
import { makePlatform } from './fixtures.js';

const ORG = newId();
const officer: RequestContext = {
  principal: { kind: 'user', id: newId(), orgId: ORG, username: 'officer', roles: ['security-officer'], sessionId: 's', mfa: true },
  requestId: 'it-outbox',
  source: '127.0.0.1',
};

const alert = (): SecurityAlert => sampleAlert(ORG, '2026-11-28T12:00:00.000Z');

test('ok/restart: the retry in back-off is in the outbox table and the next process delivers it', async () => {
  const hits: string[] = [];
  let failFirst = 1;
  const receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      hits.push(body);
      res.writeHead(failFirst-- > 0 ? 503 : 204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const t = await makePlatform({ delivery: { allowedTargets: ['127.0.0.0/8'] } });
  try {
    await t.platform.delivery.createChannel(officer, { kind: 'webhook', name: 'on-prem', minSeverity: 'low', config: { url, secret: 'whsec-0123456789abcdef', insecure: true } });
    const a = alert();
    t.platform.delivery.notifier.notify(a, 'opened');
    while (hits.length === 0) await new Promise((r) => setTimeout(r, 10));
    // Wait until the failed attempt is recorded, then stop the process during its back-off.
    const outbox = () => t.platform.database.db.selectFrom('alert_outbox').selectAll().execute();
    while ((await outbox())[0]?.attempts !== 1) await new Promise((r) => setTimeout(r, 10));
    await t.platform.close();
    const kept = await (async () => {
      const again = await openPlatform({ config: t.config, env: {}, clock: t.clock });
      try {
        const rows = await again.database.db.selectFrom('alert_outbox').selectAll().execute();
        assert.equal(rows.length, 1, 'the delivery is still in the outbox');
        assert.equal(rows[0]!.lease_until, null, 'released at close');
        t.clock.advance(5_000);
        assert.equal(await again.delivery.resume(), 1);
        await again.delivery.drain();
        return await again.database.db.selectFrom('alert_outbox').selectAll().execute();
      } finally {
        await again.close();
      }
    })();
    assert.equal(hits.length, 2);
    assert.equal((JSON.parse(hits[1]!) as { alert: { id: string } }).alert.id, a.id);
    assert.deepEqual(kept, [], 'delivered: the row is gone');
  } finally {
    receiver.close();
    await t.dispose();
  }
});

test('fail/default policy: a loopback webhook is refused unless the operator allows loopback', async () => {
  const t = await makePlatform();
  try {
    await assert.rejects(
      t.platform.delivery.createChannel(officer, { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: 'https://127.0.0.1:9/h', secret: 'whsec-0123456789abcdef' } }),
      { code: 'ALERTS_CHANNEL_INVALID' },
    );
  } finally {
    await t.dispose();
  }
  await assert.rejects(makePlatform({ delivery: { allowedTargets: ['not-a-range'] } }), { code: 'CONFIG_INVALID' });
});
