/**
 * Detectors, table-driven: each `ok/` case is a sequence of events that must raise the named
 * detector; each `fail/` case is a near miss that must raise nothing. Every detector of
 * docs/detection.md has at least one of each.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, MemorySecurityEventSink, type SecurityEvent } from '../../../kernel/index.js';
import { DetectionEngine } from '../detection-engine.js';
import type { AlertCandidate, ObservedMessage } from '../model.js';
import { DEFAULT_DETECTOR_SETTINGS, detectorsFollowingLimits } from '../settings.js';
import { buildDetectors, silenceCandidates } from './index.js';

const ORG = 'org-1';
const T0 = Date.UTC(2026, 10, 28, 12);

type Step = { at?: number; event?: SecurityEvent; message?: Omit<ObservedMessage, 'at'> };

function run(steps: Step[]): AlertCandidate[] {
  const clock = new ManualClock(T0);
  const raised: AlertCandidate[] = [];
  const engine = new DetectionEngine({ clock, detectors: buildDetectors(DEFAULT_DETECTOR_SETTINGS), store: new MemorySecurityEventSink(), raise: (c) => raised.push(c) });
  for (const step of steps) {
    if (step.at !== undefined) clock.set(new Date(T0 + step.at));
    if (step.event) engine.emit(step.event);
    if (step.message) engine.observeMessage({ ...step.message, at: clock.now().getTime() });
  }
  return raised;
}

const times = (n: number, make: (i: number) => Step): Step[] => Array.from({ length: n }, (_, i) => make(i));
const loginFailed = (userId: string | undefined, source = '203.0.113.9', extra: Partial<SecurityEvent> = {}): SecurityEvent => ({
  type: 'identity.login.failed',
  severity: 'low',
  reason: 'wrong-password',
  orgId: ORG,
  source,
  ...(userId !== undefined ? { userId } : { details: { username: `fp-${Math.random()}` } }),
  ...extra,
});
const phiRead = (userId: string, patientId: string): SecurityEvent => ({ type: 'phi.read', severity: 'info', reason: 'care-team', orgId: ORG, userId, patientId, source: '10.0.0.5' });
const mqtt = (type: string, reason: string, deviceId: string | undefined, source = '198.51.100.7', details?: SecurityEvent['details']): SecurityEvent => ({
  type,
  severity: 'high',
  reason,
  orgId: ORG,
  source,
  ...(deviceId !== undefined ? { deviceId } : {}),
  ...(details ? { details } : {}),
});
const msg = (bytes: number, deviceId = 'dev-1'): Omit<ObservedMessage, 'at'> => ({ deviceId, orgId: ORG, bytes, source: '198.51.100.7' });

const cases: Array<[string, Step[], string[]]> = [
  ['ok/brute force: five failures on one account', times(5, (i) => ({ at: i * 1000, event: loginFailed('u-1') })), ['brute-force']],
  ['fail/brute force: four failures', times(4, (i) => ({ at: i * 1000, event: loginFailed('u-1') })), []],
  ['fail/brute force: five failures spread over more than the window', times(5, (i) => ({ at: i * 100_000, event: loginFailed('u-1') })), []],
  ['ok/password spray: five accounts from one source', times(5, () => ({ event: loginFailed(undefined) })).map((s, i) => ({ ...s, at: i })), ['password-spray']],
  ['fail/password spray: five accounts from five sources', times(5, (i) => ({ event: loginFailed(undefined, `203.0.113.${i}`) })), []],
  [
    'ok/new source: a second login from another address',
    [{ event: { type: 'identity.login.succeeded', severity: 'info', reason: 'password', orgId: ORG, userId: 'u-1', source: '10.0.0.1' } }, { event: { type: 'identity.login.succeeded', severity: 'info', reason: 'password', orgId: ORG, userId: 'u-1', source: '10.9.9.9' } }],
    ['new-source'],
  ],
  ['fail/new source: the same address again', times(3, () => ({ event: { type: 'identity.login.succeeded', severity: 'info', reason: 'password', orgId: ORG, userId: 'u-1', source: '10.0.0.1' } })), []],
  ['ok/bulk PHI: 51 distinct patients in an hour', times(51, (i) => ({ at: i * 1000, event: phiRead('u-1', `p-${i}`) })), ['bulk-phi']],
  ['fail/bulk PHI: 50 distinct patients, read twice', [...times(50, (i) => ({ at: i * 1000, event: phiRead('u-1', `p-${i}`) })), ...times(50, (i) => ({ at: 60_000 + i * 1000, event: phiRead('u-1', `p-${i}`) }))], []],
  ['ok/off-hours PHI: a read at 02:00 UTC', [{ at: 14 * 3600_000, event: phiRead('u-1', 'p-1') }], ['off-hours-phi']],
  ['fail/off-hours PHI: a read at 12:00 UTC', [{ event: phiRead('u-1', 'p-1') }], []],
  ['ok/access denials: ten refusals', times(10, (i) => ({ at: i, event: { type: 'access.denied', severity: 'low', reason: 'no-role-grants-permission', orgId: ORG, userId: 'u-1' } })), ['access-denials']],
  ['fail/access denials: nine refusals', times(9, (i) => ({ at: i, event: { type: 'access.denied', severity: 'low', reason: 'no-role-grants-permission', orgId: ORG, userId: 'u-1' } })), []],
  ['ok/privilege escalation: org-admin granted', [{ event: { type: 'identity.role.granted', severity: 'medium', reason: 'roles-changed', orgId: ORG, userId: 'u-1', details: { from: 'clinician', to: 'clinician,org-admin' } } }], ['privilege-escalation']],
  ['fail/privilege escalation: a role removed', [{ event: { type: 'identity.role.granted', severity: 'medium', reason: 'roles-changed', orgId: ORG, userId: 'u-1', details: { from: 'clinician,org-admin', to: 'clinician' } } }], []],
  ['ok/privilege escalation: MFA removed', [{ event: { type: 'identity.mfa.removed', severity: 'high', reason: 'removed', orgId: ORG, userId: 'u-1' } }], ['privilege-escalation']],
  ['ok/break-glass: every use', [{ event: { type: 'patients.break_glass', severity: 'high', reason: 'emergency-access', orgId: ORG, userId: 'u-1', patientId: 'p-1' } }], ['break-glass']],
  ['ok/disabled account token', [{ event: { type: 'identity.session.disabled_user', severity: 'high', reason: 'user-disabled', orgId: ORG, userId: 'u-1' } }], ['disabled-account-token']],
  ['ok/device auth failures: five without a certificate', times(5, () => ({ event: mqtt('mqtt.refused', 'no-certificate', undefined) })), ['device-auth-failures']],
  ['fail/device auth failures: four', times(4, () => ({ event: mqtt('mqtt.refused', 'no-certificate', undefined) })), []],
  ['ok/device certificate: a revoked certificate', [{ event: mqtt('device.certificate.refused', 'revoked', 'dev-1') }], ['device-certificate']],
  ['ok/device certificate: a foreign CA at the TLS gate', [{ event: mqtt('mqtt.refused', 'foreign-ca', undefined, '198.51.100.7', { tlsError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) }], ['device-certificate']],
  ['fail/device certificate: the broker echo of an authenticator refusal', [{ event: mqtt('mqtt.refused', 'revoked', undefined, '198.51.100.7', { fingerprint: 'ab' }) }], []],
  ['ok/device ACL: publish outside its topics', [{ event: mqtt('mqtt.refused', 'publish-acl', 'dev-1') }], ['device-acl']],
  ['ok/device replay', [{ event: mqtt('ingest.rejected', 'replay', 'dev-1') }], ['device-replay']],
  ['fail/device replay: a malformed message is no replay', [{ event: mqtt('ingest.rejected', 'malformed', 'dev-1') }], []],
  ['ok/device flood: a rate-limit refusal', [{ event: mqtt('mqtt.refused', 'rate-limited', 'dev-1') }], ['device-message-rate']],
  ['ok/device message count: 301 messages in a minute', times(301, () => ({ message: msg(200) })), ['device-message-rate']],
  ['fail/device message count: 300 messages in a minute', times(300, () => ({ message: msg(200) })), []],
  ['ok/device message size: a 10 kB message after 20 small ones', [...times(20, () => ({ message: msg(200) })), { message: msg(10_000) }], ['device-message-size']],
  ['fail/device message size: a 10 kB message before the warm-up', [...times(5, () => ({ message: msg(200) })), { message: msg(10_000) }], []],
  ['ok/device source change', [{ event: mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1') }, { event: mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.2') }], ['device-source-change']],
  ['ok/device flapping: ten connects in ten minutes', times(10, (i) => ({ at: i * 30_000, event: mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1') })), ['device-flapping']],
  [
    "fail/device flapping: ten reconnects after the server's own storage failure",
    times(10, (i) => ({ at: i * 30_000, event: { ...mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1'), details: { afterStorageFault: true } } })),
    [],
  ],
  ['fail/device flapping: nine connects', times(9, (i) => ({ at: i * 30_000, event: mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1') })), []],
  ['ok/firmware hash mismatch', [{ event: { type: 'device.firmware.reported', severity: 'info', reason: 'report', orgId: ORG, deviceId: 'dev-1', details: { reportedHash: 'aa', expectedHash: 'bb' } } }], ['device-firmware']],
  ['ok/firmware attestation of an unknown hash', [{ event: { type: 'device.firmware.reported', severity: 'critical', reason: 'unknown-hash', orgId: ORG, deviceId: 'dev-1', details: { state: 'unknown-hash', reportedHash: 'aa', expectedHash: 'none' } } }], ['device-firmware']],
  ['fail/firmware attestation verified', [{ event: { type: 'device.firmware.reported', severity: 'info', reason: 'verified', orgId: ORG, deviceId: 'dev-1', details: { state: 'verified', reportedHash: 'aa', expectedHash: 'aa' } } }], []],
  ['fail/firmware hash matches', [{ event: { type: 'device.firmware.reported', severity: 'info', reason: 'report', orgId: ORG, deviceId: 'dev-1', details: { reportedHash: 'AA', expectedHash: 'aa' } } }], []],
];

describe('security detectors', () => {
  for (const [name, steps, expected] of cases) {
    test(name, () => {
      assert.deepEqual([...new Set(run(steps).map((c) => c.detector))], expected);
    });
  }

  test('ok/a sustained attack yields one first candidate carrying the window, then one per event', () => {
    const raised = run(times(8, (i) => ({ at: i * 1000, event: loginFailed('u-1', '203.0.113.9', { details: { auditSeq: 100 + i } }) })));
    const brute = raised.filter((c) => c.detector === 'brute-force');
    assert.deepEqual(brute.map((c) => c.count), [5, 1, 1, 1]);
    assert.deepEqual(brute[0]?.auditSeqs, [100, 101, 102, 103, 104]);
  });

  test('ok/silence: a device past its model interval; fail/one within it or never seen', () => {
    const now = new Date(T0);
    const seen = (deviceId: string, model: string, agoSeconds: number) => ({ deviceId, orgId: ORG, model, lastSeenAt: new Date(T0 - agoSeconds * 1000).toISOString() });
    const settings = { ...DEFAULT_DETECTOR_SETTINGS.deviceSilence, models: { 'slow-scale': 86_400 } };
    const found = silenceCandidates([seen('d-1', 'pulse-2', 901), seen('d-2', 'pulse-2', 899), seen('d-3', 'slow-scale', 3600)], now, settings);
    assert.deepEqual(found.map((c) => c.subject.id), ['d-1']);
  });

  test('ok/the master switch turns every detector off', () => {
    assert.equal(buildDetectors({ ...DEFAULT_DETECTOR_SETTINGS, enabled: false }).length, 0);
    assert.equal(buildDetectors(DEFAULT_DETECTOR_SETTINGS).length, 18);
  });

  test('ok/PHI reads feed detectors but are not stored; other events are stored with an id and time', () => {
    const store = new MemorySecurityEventSink();
    const engine = new DetectionEngine({ clock: new ManualClock(T0), detectors: [], store, raise: () => undefined });
    engine.emit(phiRead('u-1', 'p-1'));
    engine.emit(loginFailed('u-1'));
    assert.equal(store.events.length, 1);
    assert.ok((store.events[0] as { id?: string }).id);
  });

  test('ok/flapping and message-rate state survive a restart (snapshot, JSON, restore)', () => {
    const raisedAfter: AlertCandidate[] = [];
    const clock = new ManualClock(T0);
    const first = new DetectionEngine({ clock, detectors: buildDetectors(DEFAULT_DETECTOR_SETTINGS), store: new MemorySecurityEventSink(), raise: () => undefined });
    for (let i = 0; i < 9; i += 1) {
      clock.set(new Date(T0 + i * 30_000));
      first.emit(mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1'));
    }
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const second = new DetectionEngine({ clock, detectors: buildDetectors(DEFAULT_DETECTOR_SETTINGS), store: new MemorySecurityEventSink(), raise: (c) => raisedAfter.push(c) });
    second.restore(saved);
    clock.set(new Date(T0 + 9 * 30_000));
    second.emit(mqtt('mqtt.connected', 'connect', 'dev-1', '10.0.0.1'));
    assert.deepEqual(raisedAfter.map((c) => c.detector), ['device-flapping'], 'the tenth connect after the restart fires');
    assert.doesNotThrow(() => second.restore({ 'device-flapping': 'garbage', 'device-message-rate': { rates: [[1, 2]], refused: 7 } }));
  });

  test('ok/thresholds follow the broker limits: a tight rate limit lowers the message floor, a tight throttle the flapping count', () => {
    const tight = detectorsFollowingLimits(DEFAULT_DETECTOR_SETTINGS, { messagesPerSecond: 1, burst: 10, connectionsPerMinute: 0.1, connectionBurst: 3 });
    assert.equal(tight.deviceMessageRate.minMessagesPerMinute, 56);
    assert.equal(tight.deviceFlapping.connects, 4);
    const loose = detectorsFollowingLimits(DEFAULT_DETECTOR_SETTINGS, { messagesPerSecond: 20, burst: 100, connectionsPerMinute: 12, connectionBurst: 6 });
    assert.deepEqual(loose, DEFAULT_DETECTOR_SETTINGS, 'the defaults are within the default limits');
  });

  test('ok/a detector that throws is counted, never thrown into the caller', () => {
    const engine = new DetectionEngine({
      clock: new ManualClock(T0),
      detectors: [{ name: 'broken', observe: () => { throw new Error('bug'); } }],
      store: new MemorySecurityEventSink(),
      raise: () => undefined,
    });
    assert.doesNotThrow(() => engine.emit(loginFailed('u-1')));
    assert.equal(engine.failures, 1);
  });
});
