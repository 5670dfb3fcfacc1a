import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { ManualClock, newId } from '../../kernel/index.js';
import { makeTestPki, type TestPki } from '../../transports/http/http-fixtures.js';
import { DeliveryNotifier, DeliveryService } from './delivery-service.js';
import { fakeSealer, MemoryAudit, MemoryDeliveryStore, memoryUow, userContext } from './delivery-fakes.js';
import type { SecurityAlert } from './model.js';
import { formatRfc5424, frameOctetCounted, syslogPri } from './syslog-rfc5424.js';
import { GENERIC_DELIVERY_FAILURE, toNotification } from './model.js';
import { createTargetPolicy, type TargetPolicy } from './target-policy.js';

/**
 * The receivers of these tests listen on loopback, which the default policy refuses: they run with
 * the operator allowlist an on-premises installation would set.
 */
export const LOOPBACK_ALLOWED = createTargetPolicy({ allowedTargets: ['127.0.0.0/8', '::1/128'] });

const ORG = newId();
const SECRET = 'whsec-0123456789abcdef';

function alert(overrides: Partial<SecurityAlert> = {}): SecurityAlert {
  return {
    id: newId(),
    orgId: ORG,
    detector: 'brute-force',
    severity: 'high',
    title: 'Brute force on one account',
    summary: '12 failed logins in 5 minutes',
    subject: { kind: 'user', id: newId() },
    count: 12,
    firstSeenAt: '2026-01-01T10:00:00.000Z',
    lastSeenAt: '2026-01-01T10:05:00.000Z',
    status: 'open',
    assignee: null,
    suppressedReason: null,
    notes: [{ at: '2026-01-01T10:06:00.000Z', by: 'x', text: 'patient Jane Doe called' }],
    evidence: { securityEventIds: [], auditSeqs: [] },
    ...overrides,
  };
}

interface Harness {
  service: DeliveryService;
  store: MemoryDeliveryStore;
  audit: MemoryAudit;
  delays: number[];
  warnings: string[];
}

function harness(targets: TargetPolicy = LOOPBACK_ALLOWED): Harness {
  const store = new MemoryDeliveryStore();
  const audit = new MemoryAudit();
  const delays: number[] = [];
  const warnings: string[] = [];
  const service = new DeliveryService({
    uow: memoryUow(store, audit),
    reader: store,
    sealer: fakeSealer,
    clock: new ManualClock(new Date('2026-01-01T10:10:00.000Z')),
    targets,
    warn: (message) => warnings.push(message),
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 15 },
    delay: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  return { service, store, audit, delays, warnings };
}

const officer = userContext(ORG, ['security-officer']);

interface WebhookHit {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTPS receiver that fails the first `failFirst` requests with 503. */
async function webhookReceiver(pki: TestPki): Promise<{ server: HttpsServer; url: string; hits: WebhookHit[]; failFirst: { n: number } }> {
  const hits: WebhookHit[] = [];
  const failFirst = { n: 0 };
  const server = createHttpsServer({ cert: pki.ecdsa.certPem + pki.ecdsa.chainPem, key: pki.ecdsa.keyPem }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      if (failFirst.n > 0) {
        failFirst.n -= 1;
        res.writeHead(503).end();
      } else res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}/hooks/vigil`, hits, failFirst };
}

/** Parses RFC 6587 octet-counted frames out of a TCP byte stream. */
function parseFrames(buffer: Buffer): string[] {
  const out: string[] = [];
  let rest = buffer;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = Number(rest.subarray(0, space).toString('ascii'));
    out.push(rest.subarray(space + 1, space + 1 + length).toString('utf8'));
    rest = rest.subarray(space + 1 + length);
  }
  return out;
}

const RFC5424_RE = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*\]) \ufeff(.*)$/s;

describe('delivery to real peers', () => {
  let pki: TestPki;
  const servers: Array<{ close(): unknown }> = [];
  before(() => {
    pki = makeTestPki();
  });
  after(() => {
    for (const s of servers) s.close();
  });

  test('ok/webhook: signed JSON POST over https, signature verifies, no notes and no patient id', async () => {
    const h = harness();
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'medium', config: { url: receiver.url, secret: SECRET, caPem: pki.rootPem } });
    const a = alert({ subject: { kind: 'patient', id: newId() } });
    new DeliveryNotifier(h.service).notify(a, 'opened');
    await h.service.drain();
    assert.equal(receiver.hits.length, 1);
    const hit = receiver.hits[0]!;
    const timestamp = String(hit.headers['x-vigil-timestamp']);
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${hit.body}`).digest('hex');
    assert.equal(hit.headers['x-vigil-signature'], `sha256=${expected}`);
    assert.equal(timestamp, String(Date.parse('2026-01-01T10:10:00.000Z') / 1000));
    const body = JSON.parse(hit.body) as { change: string; alert: { id: string; subject: { id: string | null } } };
    assert.equal(body.change, 'opened');
    assert.equal(body.alert.id, a.id);
    assert.equal(body.alert.subject.id, null);
    assert.doesNotMatch(hit.body, /Jane Doe/);
    assert.equal(h.store.deadLetters.length, 0);
  });

  test('ok/email: reaches a real SMTP server over STARTTLS, subject and body without notes', async () => {
    const mails: Array<{ secure: boolean; data: string; from: string; to: string[] }> = [];
    const smtp = new SMTPServer({
      key: pki.ecdsa.keyPem,
      cert: pki.ecdsa.certPem + pki.ecdsa.chainPem,
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let data = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (data += chunk));
        stream.on('end', () => {
          mails.push({
            secure: session.secure,
            data,
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    servers.push(smtp);
    const port = (smtp.server.address() as AddressInfo).port;
    const h = harness();
    await h.service.createChannel(officer, {
      kind: 'email',
      name: 'on-call',
      minSeverity: 'low',
      config: { host: 'localhost', port, from: 'vigil@example.org', to: ['soc@example.org'], caPem: pki.rootPem },
    });
    const a = alert();
    h.service.notifier.notify(a, 'escalated');
    await h.service.drain();
    assert.equal(h.store.deadLetters.length, 0, h.store.deadLetters[0]?.lastError);
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.equal(mail.secure, true, 'STARTTLS was used');
    assert.equal(mail.from, 'vigil@example.org');
    assert.deepEqual(mail.to, ['soc@example.org']);
    assert.match(mail.data, /Subject: \[Vigil\] HIGH security alert escalated: brute-force/);
    assert.match(mail.data, new RegExp(a.id));
    assert.doesNotMatch(mail.data, /Jane Doe/);
  });

  test('fail/email: a server without STARTTLS is refused unless the channel is insecure', async () => {
    const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData: (s, _session, cb) => s.on('end', () => cb()).resume() });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    servers.push(smtp);
    const port = (smtp.server.address() as AddressInfo).port;
    const h = harness();
    await h.service.createChannel(officer, { kind: 'email', name: 'plain', minSeverity: 'low', config: { host: '127.0.0.1', port, from: 'v@example.org', to: ['s@example.org'], timeoutMs: 2000 } });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(h.store.deadLetters.length, 1);
    assert.equal(h.store.deadLetters[0]!.attempts, 4);
  });

  test('ok/syslog: RFC 5424 over TCP with octet counting, PRI and structured data', async () => {
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      const server: NetServer = createNetServer((socket) => {
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('end', () => resolve());
      });
      server.listen(0, '127.0.0.1');
      servers.push(server);
    });
    const listening = servers[servers.length - 1] as NetServer;
    if (!listening.listening) await once(listening, 'listening');
    const port = (listening.address() as AddressInfo).port;
    const h = harness();
    await h.service.createChannel(officer, { kind: 'syslog', name: 'siem', minSeverity: 'low', config: { host: '127.0.0.1', port, transport: 'tcp', insecure: true } });
    assert.ok(h.warnings.some((w) => /insecure/.test(w)), 'an insecure channel is warned about');
    const a = alert({ severity: 'critical', title: 'Credential "stuffing"] from one source' });
    h.service.notifier.notify(a, 'opened');
    await h.service.drain();
    await done;
    const frames = parseFrames(Buffer.concat(received));
    assert.equal(frames.length, 1);
    const m = RFC5424_RE.exec(frames[0]!);
    assert.ok(m, frames[0]);
    assert.equal(Number(m[1]), 10 * 8 + 2, 'authpriv.crit');
    assert.equal(m[2], '2026-01-01T10:10:00.000Z');
    assert.equal(m[4], 'vigil');
    assert.equal(m[6], 'security-alert');
    assert.match(m[7]!, new RegExp(`^\\[vigil@32473 alertId="${a.id}" orgId="${ORG}" detector="brute-force" severity="critical" change="opened"`));
    assert.equal(m[8], 'Credential "stuffing"] from one source');
  });

  test('ok/syslog: RFC 5425 over TLS, the collector certificate verified', async () => {
    const received: Buffer[] = [];
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const server = createTlsServer({ cert: pki.ecdsa.certPem + pki.ecdsa.chainPem, key: pki.ecdsa.keyPem }, (socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('end', () => ended());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const h = harness();
    await h.service.createChannel(officer, { kind: 'syslog', name: 'siem-tls', minSeverity: 'low', config: { host: 'localhost', port, caPem: pki.rootPem, facility: 4 } });
    assert.equal(h.warnings.length, 0);
    const a = alert({ severity: 'low' });
    h.service.notifier.notify(a, 'updated');
    await h.service.drain();
    await done;
    const frames = parseFrames(Buffer.concat(received));
    assert.equal(frames.length, 1);
    const m = RFC5424_RE.exec(frames[0]!);
    assert.ok(m, frames[0]);
    assert.equal(Number(m[1]), 4 * 8 + 5, 'auth.notice');
    assert.match(m[7]!, new RegExp(`alertId="${a.id}"`));

    const untrusted = harness();
    await untrusted.service.createChannel(officer, { kind: 'syslog', name: 'siem-untrusted', minSeverity: 'low', config: { host: 'localhost', port } });
    untrusted.service.notifier.notify(a, 'updated');
    await untrusted.service.drain();
    assert.equal(untrusted.store.deadLetters.length, 1, 'an unverified collector certificate is a failure');
  });

  test('ok/retries: exponential back-off, then a dead letter; a retry from the dead letter delivers', async () => {
    const h = harness();
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    receiver.failFirst.n = 4;
    const channel = await h.service.createChannel(officer, { kind: 'webhook', name: 'flaky', minSeverity: 'low', config: { url: receiver.url, secret: SECRET, caPem: pki.rootPem } });
    const a = alert();
    h.service.notifier.notify(a, 'opened');
    await h.service.drain();
    assert.equal(receiver.hits.length, 4);
    assert.deepEqual(h.delays, [5, 10, 15], 'base * 2^(n-1), capped at maxDelayMs');
    const letters = await h.service.listDeadLetters(officer);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.channelId, channel.id);
    assert.equal(letters[0]!.alertId, a.id);
    assert.equal(letters[0]!.attempts, 4);
    assert.equal(letters[0]!.lastError, GENERIC_DELIVERY_FAILURE, 'tenants see a generic reason');
    assert.ok(h.audit.events.some((e) => e.action === 'alerts.delivery.dead_letter' && e.outcome === 'failure'));

    const { completion } = await h.service.retryDeadLetter(officer, letters[0]!.id);
    assert.equal(await completion, true);
    assert.equal(receiver.hits.length, 5);
    assert.deepEqual(await h.service.listDeadLetters(officer), []);
    assert.equal(h.store.deadLetters[0]!.status, 'delivered');
    assert.equal(h.store.deadLetters[0]!.attempts, 5);
    assert.deepEqual(
      h.audit.events.map((e) => e.action),
      ['alerts.channel.create', 'alerts.delivery.dead_letter', 'alerts.dead_letter.retry', 'alerts.dead_letter.resolve'],
    );
    await assert.rejects(h.service.retryDeadLetter(officer, letters[0]!.id), { code: 'ALERTS_DEAD_LETTER_RESOLVED' });
  });

  test('ok/restart: a delivery waiting in back-off stays in the outbox at close and the next start delivers it', async () => {
    const store = new MemoryDeliveryStore();
    const audit = new MemoryAudit();
    const clock = new ManualClock(new Date('2026-01-01T10:10:00.000Z'));
    const deps = { uow: memoryUow(store, audit), reader: store, sealer: fakeSealer, clock, targets: LOOPBACK_ALLOWED, warn: () => undefined };
    const first = new DeliveryService({ ...deps, retry: { maxAttempts: 5, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } });
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    receiver.failFirst.n = 1;
    await first.createChannel(officer, { kind: 'webhook', name: 'down', minSeverity: 'low', config: { url: receiver.url, secret: SECRET, caPem: pki.rootPem } });
    const a = alert();
    first.notifier.notify(a, 'opened');
    while (receiver.hits.length === 0) await new Promise((r) => setTimeout(r, 10));
    while (store.outbox[0]?.attempts !== 1) await new Promise((r) => setTimeout(r, 10));
    await first.close();
    assert.equal(receiver.hits.length, 1, 'no attempt after close');
    assert.equal(store.deadLetters.length, 0, 'not dead-lettered: kept for the next start');
    assert.equal(store.outbox.length, 1);
    assert.equal(store.outbox[0]!.leaseUntil, null, 'the lease is released at close');
    assert.equal(store.outbox[0]!.nextAttemptAt, '2026-01-01T11:10:00.000Z');

    // The next process: the retry is due an hour later.
    clock.advance(3_600_000);
    const second = new DeliveryService({ ...deps, retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 5 } });
    assert.equal(await second.resume(), 1);
    assert.equal(await second.resume(), 0, 'a row is taken once');
    await second.drain();
    assert.equal(receiver.hits.length, 2);
    assert.equal((JSON.parse(receiver.hits[1]!.body) as { alert: { id: string } }).alert.id, a.id);
    assert.equal(store.outbox.length, 0);
    assert.equal(store.deadLetters.length, 0);
  });

  test('ok/crash: a row whose lease ended is taken over; one still leased is not', async () => {
    const h = harness();
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    const channel = await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'low', config: { url: receiver.url, secret: SECRET, caPem: pki.rootPem } });
    const row = (leaseUntil: string | null) => ({
      id: newId(),
      orgId: ORG,
      channelId: channel.id,
      alertId: newId(),
      payload: JSON.stringify(toNotification(alert(), 'opened')),
      attempts: 2,
      nextAttemptAt: '2026-01-01T10:00:00.000Z',
      leaseUntil,
      deadLetterId: null,
      createdAt: '2026-01-01T09:59:00.000Z',
    });
    await h.store.insertOutbox(row('2026-01-01T10:05:00.000Z'));
    await h.store.insertOutbox(row('2026-01-01T10:30:00.000Z'));
    assert.equal(await h.service.resume(), 1);
    await h.service.drain();
    assert.equal(receiver.hits.length, 1);
    assert.equal(h.store.outbox.length, 1, 'the row another process holds stays');
  });

  test('ok/min severity: a channel gets only alerts at or above its minimum', async () => {
    const h = harness();
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    await h.service.createChannel(officer, { kind: 'webhook', name: 'high-only', minSeverity: 'high', config: { url: receiver.url, secret: SECRET, caPem: pki.rootPem } });
    h.service.notifier.notify(alert({ severity: 'medium' }), 'opened');
    h.service.notifier.notify(alert({ severity: 'critical' }), 'opened');
    h.service.notifier.notify(alert({ orgId: newId(), severity: 'critical' }), 'opened');
    await h.service.drain();
    assert.equal(receiver.hits.length, 1);
  });

  test('fail/webhook: a certificate that does not verify is a failure, not a fallback', async () => {
    const h = harness();
    const receiver = await webhookReceiver(pki);
    servers.push(receiver.server);
    await h.service.createChannel(officer, { kind: 'webhook', name: 'untrusted', minSeverity: 'low', config: { url: receiver.url, secret: SECRET } });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(receiver.hits.length, 0);
    assert.equal(h.store.deadLetters.length, 1);
  });
});

describe('channel rules', () => {
  const cases: Array<[string, Parameters<DeliveryService['createChannel']>[1]]> = [
    ['fail/webhook http without insecure', { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: 'http://example.org/h', secret: SECRET } }],
    ['fail/webhook credentials in url', { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: 'https://u:p@example.org/h', secret: SECRET } }],
    ['fail/webhook short secret', { kind: 'webhook', name: 'x', minSeverity: 'low', config: { url: 'https://example.org/h', secret: 'short' } }],
    ['fail/syslog tcp without insecure', { kind: 'syslog', name: 'x', minSeverity: 'low', config: { host: 'siem.example.org', port: 6514, transport: 'tcp' } }],
    ['fail/syslog facility', { kind: 'syslog', name: 'x', minSeverity: 'low', config: { host: 'siem.example.org', port: 6514, facility: 24 } }],
    ['fail/email bad recipient', { kind: 'email', name: 'x', minSeverity: 'low', config: { host: 'mail', port: 587, from: 'v@example.org', to: ['nope'] } }],
  ];
  for (const [name, input] of cases) {
    test(name, async () => {
      await assert.rejects(harness().service.createChannel(officer, input), { code: 'ALERTS_CHANNEL_INVALID' });
    });
  }

  test('ok/views carry no secrets; the secret is sealed to the channel id', async () => {
    const h = harness();
    const view = await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'low', config: { url: 'https://example.org/h?token=abc', secret: SECRET } });
    assert.equal(view.target, 'https://example.org/h');
    assert.doesNotMatch(JSON.stringify(await h.service.listChannels(officer)), new RegExp(SECRET));
    const row = h.store.channels[0]!;
    assert.doesNotMatch(row.config, new RegExp(SECRET));
    assert.ok(row.sealedSecrets !== null && !row.sealedSecrets.includes(SECRET));
    assert.doesNotMatch(JSON.stringify(h.audit.events), new RegExp(SECRET));
  });

  test('fail/access: a clinician cannot manage channels; another tenant sees no dead letter', async () => {
    const h = harness();
    await assert.rejects(h.service.listChannels(userContext(ORG, ['clinician'])), { code: 'FORBIDDEN' });
    h.store.deadLetters.push({ id: newId(), orgId: ORG, channelId: newId(), alertId: newId(), payload: '{}', attempts: 1, lastError: 'x', createdAt: '', status: 'pending', resolvedAt: null });
    await assert.rejects(h.service.retryDeadLetter(userContext(newId(), ['security-officer']), h.store.deadLetters[0]!.id), { code: 'ALERTS_DEAD_LETTER_NOT_FOUND' });
  });

  test('ok/syslog format: PRI per facility and severity, SD escaping, octet count in bytes', () => {
    assert.equal(syslogPri(4, 'low'), 37);
    assert.equal(syslogPri(10, 'high'), 83);
    assert.throws(() => syslogPri(24, 'low'));
    const line = formatRfc5424(toNotification(alert({ detector: 'a"b\\c]d' }), 'updated'), { facility: 4, time: new Date(0), hostname: 'host name', procId: '7' });
    assert.match(line, /^<35>1 1970-01-01T00:00:00.000Z hostname vigil 7 security-alert \[vigil@32473 /);
    assert.match(line, /detector="a\\"b\\\\c\\]d"/);
    const frame = frameOctetCounted('é');
    assert.equal(frame.toString('utf8'), '2 é');
  });
});
