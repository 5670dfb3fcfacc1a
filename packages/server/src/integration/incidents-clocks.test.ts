/**
 * Notification clocks on a real platform with a simulated clock: an assessment turns the blast
 * radius into obligations; a reminder and an overdue high alert fire at the right times; notices
 * are rendered, recorded with their SHA-256 and go only to directory contacts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { AuditEventInput } from '../audit/index.js';
import type { RiskAssessment } from '../incidents/index.js';
import { sha256Hex } from '../keys/index.js';
import { isAppError, type Principal, type RequestContext } from '../kernel/index.js';
import { makePlatform, type TestPlatform } from './fixtures.js';

const ORG = 'org-a';
const officer: Principal = { kind: 'user', id: 'u-officer', orgId: ORG, username: 'so', roles: ['security-officer'], sessionId: 's', mfa: true };
const otherOfficer: Principal = { kind: 'user', id: 'u-other', orgId: 'org-b', username: 'ob', roles: ['security-officer'], sessionId: 's', mfa: true };
const victim: Principal = { kind: 'user', id: 'u-victim', orgId: ORG, username: 'victim', roles: ['clinician'], sessionId: 's2', mfa: false };
const ctx = (principal: Principal, source = '127.0.0.1'): RequestContext => ({ principal, requestId: 'req-1', source });
const code = (expected: string) => (error: unknown) => isAppError(error) && error.code === expected;
const DAY = 86_400_000;
const BREACH: RiskAssessment = { natureAndExtent: 'high', unauthorizedPerson: 'high', acquiredOrViewed: 'high', mitigation: 'low', securedPhi: false, rationale: 'demographics viewed from an unknown address' };

describe('incident notification clocks', () => {
  let t: TestPlatform;
  before(async () => {
    // The notice test's SMTP peer listens on loopback: the operator allows it (delivery.allowedTargets).
    t = await makePlatform({ delivery: { allowedTargets: ['127.0.0.0/8'] } });
  });
  after(async () => {
    await t.dispose();
  });

  test('ok/assessment -> obligations from the blast radius; a reminder at half time; one overdue high alert; notices with proof to directory contacts only', async () => {
    const { service } = t.platform.incidents;
    const notifications = t.platform.incidents.notifications;
    assert.ok(notifications);
    const reads: AuditEventInput[] = ['p-1', 'p-2', 'p-3'].map((id) => ({ action: 'patients.record.read', target: { type: 'patient', id }, outcome: 'success', reason: 'care-team', orgId: ORG }));
    await t.platform.withAuditStore((store) => t.platform.auditLog.append(store, ctx(victim, '203.0.113.9'), reads));
    const incident = await service.open(ctx(officer), { title: 'Records read from a stolen session', type: 'phi-breach', discoveredAt: t.clock.now().toISOString(), seeds: { userIds: ['u-victim'], sources: ['203.0.113.9'] } });
    const list = await notifications.assess(ctx(officer), incident.id, { assessment: BREACH, residentsByState: { CA: 3 }, missingContacts: 0, lawEnforcementDelay: null, fda: null });
    const individuals = list.find((o) => o.obligationId === 'hipaa-individuals');
    assert.equal(individuals?.dueAt, new Date(t.clock.now().getTime() + 60 * DAY).toISOString());
    assert.equal(list.find((o) => o.obligationId === 'hipaa-hhs')?.rule, '45 CFR 164.408(c)', 'fewer than 500: the annual log');
    assert.equal(list.find((o) => o.obligationId === 'hipaa-media')?.status, 'not-required');
    await assert.rejects(notifications.obligations(ctx(otherOfficer), incident.id), code('INCIDENT_NOT_FOUND'));

    const alertsOf = async (detector: string) => t.platform.security.alerts.list(ctx(officer), { detector });
    t.clock.advance(29 * DAY);
    await notifications.tick();
    await t.platform.security.alerts.flush();
    assert.equal((await alertsOf('incident-clock-reminder')).length, 0, 'no reminder before half time');
    t.clock.advance(1 * DAY);
    const first = await notifications.tick();
    await t.platform.security.alerts.flush();
    assert.ok(first.reminders >= 1);
    assert.equal((await alertsOf('incident-clock-reminder'))[0]?.severity, 'medium');
    const again = await notifications.tick();
    assert.equal(again.reminders, 0, 'one reminder per fraction');
    t.clock.advance(30 * DAY);
    const late = await notifications.tick();
    await t.platform.security.alerts.flush();
    assert.ok(late.overdue >= 1);
    const overdue = await alertsOf('incident-clock-overdue');
    assert.equal(overdue[0]?.severity, 'high');
    assert.equal((await notifications.tick()).overdue, 0, 'the overdue alert is raised once');

    // Notices: only to directory contacts; unknown placeholders refused; proof recorded.
    const contact = await notifications.addContact(ctx(officer), { name: 'Patients of record', kind: 'individuals' });
    assert.ok(individuals);
    await assert.rejects(notifications.notify(ctx(officer), incident.id, individuals.id, { contactId: '00000000-0000-4000-8000-000000000000', channel: 'export' }), code('INCIDENT_RECIPIENT_UNKNOWN'));
    await assert.rejects(notifications.notify(ctx(officer), incident.id, individuals.id, { contactId: contact.id, channel: 'export', template: 'Dear {{patient.name}}' }), code('INCIDENT_TEMPLATE_INVALID'));
    await assert.rejects(notifications.notify(ctx(officer), incident.id, individuals.id, { contactId: contact.id, channel: 'email' }), code('INCIDENT_RECIPIENT_UNKNOWN'), 'no email address');
    const sent = await notifications.notify(ctx(officer), incident.id, individuals.id, { contactId: contact.id, channel: 'export' });
    assert.match(sent.message, /records of 3 individuals/);
    assert.equal(sent.notice.sha256, sha256Hex(sent.message));
    const after = await notifications.obligations(ctx(officer), incident.id);
    assert.equal(after.find((o) => o.id === individuals.id)?.status, 'sent');
    assert.equal((await notifications.acknowledge(ctx(officer), incident.id, individuals.id)).status, 'acknowledged');
    await assert.rejects(notifications.acknowledge(ctx(officer), incident.id, individuals.id), code('INCIDENT_STATE'));
    const audit = await t.platform.database.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'incidents.notice.send').execute();
    assert.equal(audit.length, 1);
    assert.ok(audit[0]?.details.includes(sent.notice.sha256));
  });

  test('ok/a notice by email goes through the organization email channel to the directory contact, with its SHA-256', async () => {
    const notifications = t.platform.incidents.notifications;
    assert.ok(notifications);
    const received: Array<{ to: string[]; data: string }> = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, cb) => {
        let data = '';
        stream.on('data', (d: Buffer) => (data += d.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          cb();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    try {
      const port = (smtp.server.address() as AddressInfo).port;
      await t.platform.delivery.createChannel(ctx(officer), { kind: 'email', name: 'notices', minSeverity: 'critical', config: { host: '127.0.0.1', port, from: 'vigil@example.org', to: ['soc@example.org'], timeoutMs: 2000, insecure: true } });
      const incident = await t.platform.incidents.service.open(ctx(officer), { title: 'Monitor firmware tampered', type: 'malware-in-firmware', discoveredAt: new Date(t.clock.now().getTime() - DAY).toISOString(), seeds: { deviceIds: ['dev-9'] } });
      const maker = await notifications.addContact(ctx(officer), { name: 'Acme Monitors PSIRT', kind: 'device-maker', email: 'psirt@acme.example' });
      const list = await notifications.assess(ctx(officer), incident.id, { assessment: null, residentsByState: {}, missingContacts: 0, lawEnforcementDelay: null, fda: null });
      const care = list.find((o) => o.obligationId === `care-${maker.id}`);
      assert.ok(care);
      const sent = await notifications.notify(ctx(officer), incident.id, care.id, { contactId: maker.id, channel: 'email' });
      assert.equal(received.length, 1);
      assert.deepEqual(received[0]?.to, ['psirt@acme.example']);
      assert.match(received[0]?.data ?? '', /Monitor firmware tampered/);
      assert.equal(sent.notice.sha256, sha256Hex(sent.message));
      assert.equal(sent.notice.channel, 'email');
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  test('ok/secured PHI: no HIPAA notice owed, with the §164.402 reason', async () => {
    const notifications = t.platform.incidents.notifications;
    assert.ok(notifications);
    const incident = await t.platform.incidents.service.open(ctx(officer), { title: 'Backup disk lost (sealed)', type: 'ransomware-data-loss', discoveredAt: new Date(t.clock.now().getTime() - 59 * DAY).toISOString(), seeds: { userIds: ['u-victim'], sources: ['203.0.113.9'] } });
    const hospital = await notifications.addContact(ctx(officer), { name: 'St. Elsewhere ED', kind: 'hospital', email: 'ed@elsewhere.example' });
    const list = await notifications.assess(ctx(officer), incident.id, { assessment: { ...BREACH, securedPhi: true }, residentsByState: {}, missingContacts: 0, lawEnforcementDelay: null, fda: null });
    const care = list.find((o) => o.obligationId === `care-${hospital.id}`);
    assert.equal(care?.dueAt, new Date(Date.parse(incident.discoveredAt) + 4 * 3_600_000).toISOString(), 'care continuity within 4 hours');
    assert.ok(!list.some((o) => o.obligationId.startsWith('care-') && o.recipient.startsWith('individuals')), 'only care-continuity contacts');
    assert.ok(list.filter((o) => o.obligationId.startsWith('hipaa-')).every((o) => o.status === 'not-required' && (o.reason ?? '').includes('§164.402')));
  });

  test("ok/the organization's time zone: the year-end rule counts the local year (Tokyo); an unknown zone is refused", async () => {
    const { service } = t.platform.incidents;
    const notifications = t.platform.incidents.notifications;
    assert.ok(notifications);
    const settings = { autoOpenDetectors: [], autoOpenMinSeverity: 'high' as const, joinWindowHours: 24 };
    for (const bad of ['Mars/Olympus', '+09:00', 'JST']) await assert.rejects(service.putSettings(ctx(officer), { ...settings, timeZone: bad }), code('INCIDENT_INVALID'), bad);
    await service.putSettings(ctx(officer), { ...settings, timeZone: 'Asia/Tokyo' });
    assert.equal((await service.settings(ctx(officer))).timeZone, 'Asia/Tokyo');
    assert.equal((await service.settings(ctx(otherOfficer))).timeZone, undefined, "another organization's zone is its own");
    const reads: AuditEventInput[] = ['p-7', 'p-8'].map((id) => ({ action: 'patients.record.read', target: { type: 'patient', id }, outcome: 'success', reason: 'care-team', orgId: ORG }));
    await t.platform.withAuditStore((store) => t.platform.auditLog.append(store, ctx(victim, '198.51.100.77'), reads));
    // 20:00 UTC on 31 December 2026 is 05:00 on 1 January 2027 in Tokyo: the annual log is 2027's, due 60 days after 1 January 2028 (a leap year).
    const incident = await service.open(ctx(officer), { title: 'New Year records read', type: 'phi-breach', discoveredAt: '2026-12-31T20:00:00.000Z', seeds: { userIds: ['u-victim'], sources: ['198.51.100.77'] } });
    const list = await notifications.assess(ctx(officer), incident.id, { assessment: BREACH, residentsByState: {}, missingContacts: 0, lawEnforcementDelay: null, fda: null });
    const hhs = list.find((o) => o.obligationId === 'hipaa-hhs');
    assert.equal(hhs?.rule, '45 CFR 164.408(c)');
    assert.equal(hhs?.dueAt, '2028-02-29T15:00:00.000Z', 'local midnight on 1 March 2028 in Tokyo (in UTC it would be 2027-03-02)');
  });
});
