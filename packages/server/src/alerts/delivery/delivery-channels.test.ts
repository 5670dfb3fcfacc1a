/**
 * Channel management (read, edit, disable, delete, per organization, audited) and SMTP over
 * STARTTLS and implicit TLS against real smtp-server peers with verified certificates.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { ManualClock, newId } from '../../kernel/index.js';
import { makeTestPki, type TestPki } from '../../transports/http/http-fixtures.js';
import { DeliveryService } from './delivery-service.js';
import { fakeSealer, MemoryAudit, MemoryDeliveryStore, memoryUow, sampleAlert, userContext } from './delivery-fakes.js';
import type { SecurityAlert } from './model.js';
import { createTargetPolicy } from './target-policy.js';

const ORG = newId();
const SECRET = 'whsec-0123456789abcdef';
const officer = userContext(ORG, ['security-officer']);
/** The SMTP peers listen on loopback: the operator allowlist an on-premises mail relay needs. */
const LOOPBACK_ALLOWED = createTargetPolicy({ allowedTargets: ['127.0.0.0/8', '::1/128'] });

function harness() {
  const store = new MemoryDeliveryStore();
  const audit = new MemoryAudit();
  const service = new DeliveryService({
    uow: memoryUow(store, audit),
    reader: store,
    sealer: fakeSealer,
    clock: new ManualClock(new Date('2026-01-01T10:10:00.000Z')),
    targets: LOOPBACK_ALLOWED,
    warn: () => undefined,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    delay: () => Promise.resolve(),
  });
  return { service, store, audit };
}

const alert = (): SecurityAlert => sampleAlert(ORG, '2026-01-01T10:00:00.000Z');

describe('channel management', () => {
  test('ok/read, edit, disable and delete in the organization; every change audited, no secret anywhere', async () => {
    const h = harness();
    const created = await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'high', config: { url: 'https://soc.example.org/h', secret: SECRET } });
    assert.deepEqual(await h.service.getChannel(officer, created.id), created);
    const renamed = await h.service.updateChannel(officer, created.id, { name: 'SOC 24/7', minSeverity: 'medium' });
    assert.equal(renamed.name, 'SOC 24/7');
    assert.equal(renamed.minSeverity, 'medium');
    const retargeted = await h.service.updateChannel(officer, created.id, { config: { url: 'https://siem.example.org/in' } });
    assert.equal(retargeted.target, 'https://siem.example.org/in');
    const sealed = h.store.channels[0]!.sealedSecrets!;
    assert.match(Buffer.from(fakeSealer.open(sealed, `alerts.channel:${created.id}`)).toString('utf8'), new RegExp(SECRET), 'a secret left out is kept');
    const disabled = await h.service.updateChannel(officer, created.id, { enabled: false });
    assert.equal(disabled.enabled, false);
    await h.service.deleteChannel(officer, created.id);
    await assert.rejects(h.service.getChannel(officer, created.id), { code: 'ALERTS_CHANNEL_NOT_FOUND' });
    assert.deepEqual(
      h.audit.events.map((e) => e.action),
      ['alerts.channel.create', 'alerts.channel.update', 'alerts.channel.update', 'alerts.channel.update', 'alerts.channel.delete'],
    );
    assert.equal(h.audit.events[1]!.details?.['fields'], 'name,minSeverity');
    assert.doesNotMatch(JSON.stringify(h.audit.events), /whsec|siem\.example/);
  });

  test('fail/another organization: read, edit and delete answer not found and change nothing', async () => {
    const h = harness();
    const created = await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'high', config: { url: 'https://soc.example.org/h', secret: SECRET } });
    const stranger = userContext(newId(), ['security-officer']);
    await assert.rejects(h.service.getChannel(stranger, created.id), { code: 'ALERTS_CHANNEL_NOT_FOUND' });
    await assert.rejects(h.service.updateChannel(stranger, created.id, { enabled: false }), { code: 'ALERTS_CHANNEL_NOT_FOUND' });
    await assert.rejects(h.service.deleteChannel(stranger, created.id), { code: 'ALERTS_CHANNEL_NOT_FOUND' });
    assert.equal(h.store.channels[0]!.enabled, true);
    await assert.rejects(h.service.getChannel(userContext(ORG, ['clinician']), created.id), { code: 'FORBIDDEN' });
  });

  test('fail/an edit cannot point a channel at an internal address', async () => {
    const store = new MemoryDeliveryStore();
    const service = new DeliveryService({ uow: memoryUow(store, new MemoryAudit()), reader: store, sealer: fakeSealer, clock: new ManualClock(new Date()), targets: createTargetPolicy(), warn: () => undefined });
    const created = await service.createChannel(officer, { kind: 'syslog', name: 'siem', minSeverity: 'low', config: { host: 'siem.example.org', port: 6514 } });
    await assert.rejects(service.updateChannel(officer, created.id, { config: { host: '169.254.169.254', port: 80 } }), { code: 'ALERTS_CHANNEL_INVALID' });
    assert.equal((await service.getChannel(officer, created.id)).target, 'tls://siem.example.org:6514');
  });

  test('ok/a disabled channel gets nothing; a delivery in flight for a deleted channel stops', async () => {
    const h = harness();
    const created = await h.service.createChannel(officer, { kind: 'webhook', name: 'soc', minSeverity: 'low', config: { url: 'https://soc.example.org/h', secret: SECRET } });
    await h.service.updateChannel(officer, created.id, { enabled: false });
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(h.store.outbox.length, 0);
    assert.equal(h.store.deadLetters.length, 0);
  });
});

describe('SMTP TLS modes against real peers', () => {
  let pki: TestPki;
  const servers: SMTPServer[] = [];
  before(() => {
    pki = makeTestPki();
  });
  after(() => {
    for (const s of servers) s.close();
  });

  async function smtpPeer(options: Partial<SMTPServerOptions>): Promise<{ port: number; mails: Array<{ secure: boolean; data: string }> }> {
    const mails: Array<{ secure: boolean; data: string }> = [];
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
          mails.push({ secure: session.secure, data });
          callback();
        });
      },
      ...options,
    });
    // The peer sees the client abort the handshake of an unverified certificate: expected here.
    smtp.on('error', () => undefined);
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    servers.push(smtp);
    return { port: (smtp.server.address() as AddressInfo).port, mails };
  }

  const email = (port: number, extra: { tlsMode?: 'starttls' | 'implicit'; caPem?: string; insecure?: boolean }) => ({
    kind: 'email' as const,
    name: 'mail',
    minSeverity: 'low' as const,
    config: { host: 'localhost', port, from: 'v@example.org', to: ['s@example.org'], timeoutMs: 3000, ...extra },
  });

  test('ok/implicit TLS (port 465 style): the session is TLS from the first byte, certificate verified', async () => {
    const peer = await smtpPeer({ secure: true });
    const h = harness();
    const channel = await h.service.createChannel(officer, email(peer.port, { tlsMode: 'implicit', caPem: pki.rootPem }));
    assert.match(channel.target, /^smtps:\/\//);
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(h.store.deadLetters.length, 0);
    assert.equal(peer.mails.length, 1);
    assert.equal(peer.mails[0]!.secure, true);
  });

  test('fail/implicit TLS with a certificate that does not verify sends nothing', async () => {
    const peer = await smtpPeer({ secure: true });
    const h = harness();
    await h.service.createChannel(officer, email(peer.port, { tlsMode: 'implicit' }));
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(peer.mails.length, 0);
    assert.equal(h.store.deadLetters.length, 1);
  });

  test('fail/STARTTLS with a certificate that does not verify sends nothing (no fallback to plaintext)', async () => {
    const peer = await smtpPeer({});
    const h = harness();
    await h.service.createChannel(officer, email(peer.port, {}));
    h.service.notifier.notify(alert(), 'opened');
    await h.service.drain();
    assert.equal(peer.mails.length, 0);
    assert.equal(h.store.deadLetters.length, 1);
  });

  test('fail/implicit TLS cannot be insecure', async () => {
    await assert.rejects(harness().service.createChannel(officer, email(465, { tlsMode: 'implicit', insecure: true })), { code: 'ALERTS_CHANNEL_INVALID' });
  });
});
