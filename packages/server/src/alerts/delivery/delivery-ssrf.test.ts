/**
 * Attack tests of issue 11 item 4: a tenant's security officer points a channel at the server's
 * own loopback, the metadata service or the private network, and reads the dead-letter list as a
 * port scanner. Every peer here listens on loopback; nothing leaves the machine (a refused target
 * is refused before any packet is sent).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ManualClock, newId } from '../../kernel/index.js';
import { makeTestPki, type TestPki } from '../../transports/http/http-fixtures.js';
import { DeliveryService } from './delivery-service.js';
import { fakeSealer, MemoryAudit, MemoryDeliveryStore, memoryUow, sampleAlert, userContext } from './delivery-fakes.js';
import { GENERIC_DELIVERY_FAILURE, type SecurityAlert } from './model.js';
import { createTargetPolicy, type HostResolver, type TargetPolicy } from './target-policy.js';

const ORG = newId();
const SECRET = 'whsec-0123456789abcdef';
const officer = userContext(ORG, ['security-officer']);

const alert = (): SecurityAlert => sampleAlert(ORG, '2026-01-01T10:00:00.000Z');

function harness(targets: TargetPolicy) {
  const store = new MemoryDeliveryStore();
  const warnings: string[] = [];
  const service = new DeliveryService({
    uow: memoryUow(store, new MemoryAudit()),
    reader: store,
    sealer: fakeSealer,
    clock: new ManualClock(new Date('2026-01-01T10:10:00.000Z')),
    targets,
    warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`),
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    delay: () => Promise.resolve(),
  });
  return { service, store, warnings };
}

/** An HTTPS receiver on one loopback address that answers `status` and counts hits. */
async function receiver(pki: TestPki, host: string, status: number): Promise<{ server: HttpsServer; port: number; hits: number[] }> {
  const hits: number[] = [];
  const server = createHttpsServer({ cert: pki.ecdsa.certPem + pki.ecdsa.chainPem, key: pki.ecdsa.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(Date.now());
      res.writeHead(status).end();
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, hits };
}

/** A resolver that maps every name to loopback (as an attacker's DNS would). */
const toLoopback: HostResolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);

describe('SSRF: channels cannot reach internal addresses by default', () => {
  let pki: TestPki;
  const servers: Array<{ close(): unknown }> = [];
  before(() => {
    pki = makeTestPki();
  });
  after(() => {
    for (const s of servers) s.close();
  });

  const literalTargets = [
    'https://127.0.0.1:8443/h',
    'https://localhost:8443/h',
    'https://2130706433:8443/h',
    'https://0x7f000001/h',
    'https://[::1]:8443/h',
    'https://[::ffff:127.0.0.1]/h',
    'https://10.0.0.1/h',
    'https://192.168.0.10/h',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/h',
    'https://[fe80::1]/h',
    'https://0.0.0.0/h',
  ];
  for (const url of literalTargets) {
    test(`fail/webhook ${url} is refused at creation`, async () => {
      const h = harness(createTargetPolicy());
      await assert.rejects(h.service.createChannel(officer, { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url, secret: SECRET } }), { code: 'ALERTS_CHANNEL_INVALID' });
    });
  }
  for (const host of ['127.0.0.1', 'localhost', '2130706433', '::1', '10.0.0.1', '169.254.169.254']) {
    test(`fail/syslog and email to ${host} are refused at creation`, async () => {
      const h = harness(createTargetPolicy());
      await assert.rejects(h.service.createChannel(officer, { kind: 'syslog', name: 'x', minSeverity: 'low', config: { host, port: 6514 } }), { code: 'ALERTS_CHANNEL_INVALID' });
      await assert.rejects(
        h.service.createChannel(officer, { kind: 'email', name: 'x', minSeverity: 'low', config: { host, port: 587, from: 'v@example.org', to: ['s@example.org'] } }),
        { code: 'ALERTS_CHANNEL_INVALID' },
      );
    });
  }

  test('fail/a name that resolves to loopback is refused at connect: the receiver gets nothing', async () => {
    const r = await receiver(pki, '127.0.0.1', 204);
    servers.push(r.server);
    const h = harness(createTargetPolicy({ resolver: toLoopback }));
    await h.service.createChannel(officer, { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: `https://localhost.attacker.test:${r.port}/h`, secret: SECRET, caPem: pki.rootPem } });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(r.hits.length, 0);
    assert.equal(h.store.deadLetters.length, 1);
    assert.ok(h.warnings.some((w) => /ETARGETREFUSED/.test(w)), 'the operator log says why');
  });

  test('fail/syslog over TCP to a name that resolves to loopback: the collector gets nothing', async () => {
    let connections = 0;
    const collector = createNetServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    servers.push(collector);
    const h = harness(createTargetPolicy({ resolver: toLoopback }));
    await h.service.createChannel(officer, {
      kind: 'syslog',
      name: 'x',
      minSeverity: 'low',
      config: { host: 'siem.attacker.test', port: (collector.address() as AddressInfo).port, transport: 'tcp', insecure: true },
    });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(connections, 0);
    assert.equal(h.store.deadLetters.length, 1);
  });

  test('fail/DNS rebinding: the address checked is the address connected to', async () => {
    // The operator allows 127.0.0.1 only. The attacker's DNS answers 127.0.0.1 once, then
    // 127.0.0.2 (standing for an internal host). A check that resolved again before connecting
    // would reach 127.0.0.2.
    // Plain HTTP (an insecure channel) keeps TLS names out of the way of what is tested.
    const plain = async (host: string, port: number, status: number) => {
      const hits: number[] = [];
      const server = createHttpServer((req, res) => {
        req.resume();
        hits.push(Date.now());
        res.writeHead(status).end();
      });
      server.listen(port, host);
      await once(server, 'listening');
      servers.push(server);
      return { port: (server.address() as AddressInfo).port, hits };
    };
    const legit = await plain('127.0.0.1', 0, 500);
    const internal = await plain('127.0.0.2', legit.port, 204);
    let answers = 0;
    const rebinding: HostResolver = () => {
      answers += 1;
      return Promise.resolve([{ address: answers === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }]);
    };
    const h = harness(createTargetPolicy({ allowedTargets: ['127.0.0.1/32'], resolver: rebinding }));
    await h.service.createChannel(officer, { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: `http://rebind.attacker.test:${legit.port}/h`, secret: SECRET, insecure: true } });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(legit.hits.length, 1, 'attempt 1 went to the checked address');
    assert.equal(internal.hits.length, 0, 'attempt 2 resolved to 127.0.0.2 and was refused');
    assert.equal(answers, 2, 'one resolution per attempt');
  });

  test('fail/port-scan oracle: a closed port and a receiver answering 500 read the same to the tenant', async () => {
    const open = await receiver(pki, '127.0.0.1', 500);
    servers.push(open.server);
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const h = harness(createTargetPolicy({ allowedTargets: ['127.0.0.0/8', '::1/128'] }));
    await h.service.createChannel(officer, { kind: 'webhook', name: 'open', minSeverity: 'low', config: { url: `https://localhost:${open.port}/h`, secret: SECRET, caPem: pki.rootPem } });
    await h.service.createChannel(officer, { kind: 'webhook', name: 'closed', minSeverity: 'low', config: { url: `https://localhost:${closedPort}/h`, secret: SECRET, caPem: pki.rootPem } });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    const letters = await h.service.listDeadLetters(officer);
    assert.equal(letters.length, 2);
    assert.deepEqual(
      letters.map((l) => l.lastError),
      [GENERIC_DELIVERY_FAILURE, GENERIC_DELIVERY_FAILURE],
    );
    assert.doesNotMatch(JSON.stringify(letters), /ECONNREFUSED|500|refused/);
    assert.ok(h.warnings.some((w) => /ECONNREFUSED/.test(w)) && h.warnings.some((w) => /500/.test(w)), 'the operator log keeps the detail');
  });
});
