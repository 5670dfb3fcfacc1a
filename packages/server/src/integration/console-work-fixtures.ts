/**
 * A small hospital for the console's browser tests of issue 16 (the console for people at work):
 * a server on an ephemeral port, set up through the console or the API, then through the API an
 * org admin (TOTP), a trained clinician on one patient's care team, a trained security officer
 * (TOTP), patients inside and outside that care team, a bound device and a heart-rate rule.
 * Browser sessions are handed over as the session cookie of an API sign-in, so that no test waits
 * for a fresh TOTP step. Imported by tests only.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { validate } from '../config/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { systemClock, type RequestContext } from '../kernel/index.js';
import { defaultConsoleDir, initialize, openPlatform, startServer, type Platform, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { ApiSetupClient, totpCode, totpStepAfter } from './console-browser.js';
import { makeConfig, testContext } from './fixtures.js';

export const ADMIN = { organization: 'St. Work Hospital', username: 'wanda.admin', displayName: 'Wanda Admin', password: 'Granite-Willow-Beacon-2026!' };
export const CLINICIAN = { username: 'cleo.clinician', displayName: 'Cleo Clinician', password: 'Silver-Meadow-Lantern-4471!' };
export const OFFICER = { username: 'sam.security', displayName: 'Sam Security', password: 'Harbor-Cobalt-Thistle-8802!' };
export const IN_CARE = { mrn: 'MRN-WORK-0001', givenName: 'Morgan', familyName: 'Incare', birthDate: '1961-02-03', sex: 'male' };
export const OUTSIDE = { mrn: 'MRN-WORK-0002', givenName: 'Jamie', familyName: 'Outside', birthDate: '1970-07-07', sex: 'female' };
export const HEART_RATE = '8867-4';
export const SPO2 = '59408-5';
const MODEL = 'pulse-2';
const anonymous: RequestContext = { principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'req-e2e-enrol', source: '127.0.0.1' };

interface LoginAnswer {
  readonly token: string;
  readonly state: string;
  readonly session: { readonly user: { readonly id: string; readonly orgId: string } };
}

export interface Person {
  readonly id: string;
  readonly token: string;
}

export interface BoundDevice {
  readonly deviceId: string;
  readonly serial: string;
  readonly orgId: string;
  readonly model: string;
  readonly publicKeyPem: string;
  seq: number;
}

export class WorkHospital {
  readonly api: ApiSetupClient;
  admin!: Person;
  clinician!: Person;
  officer!: Person;
  orgId = '';
  inCareId = '';
  outsideId = '';
  devices: BoundDevice[] = [];
  /** Each enrolled person's TOTP secret and when a code of it was last used (codes are single-use per step). */
  private readonly totp = new Map<string, { secret: string; usedAt: number }>();

  private constructor(
    readonly root: string,
    readonly platform: Platform,
    readonly server: RunningServer,
    readonly base: string,
    readonly setupCredential: string,
    api: ApiSetupClient,
  ) {
    this.api = api;
  }

  /** A fresh, not yet set up server (`idleMinutes`: the sessions' idle timeout, default the server's). */
  static async start(options: { readonly idleMinutes?: number } = {}): Promise<WorkHospital> {
    const consoleDir = defaultConsoleDir();
    assert.ok(existsSync(join(consoleDir, 'index.html')), `the console is not built in ${consoleDir}: run npm run build`);
    const made = await makeConfig();
    const { config } = validate({ dataDir: made.config.dataDir, logLevel: 'silent', host: '127.0.0.1', httpPort: 0, mqttPort: 0, login: { rateLimitPerMinute: 1000 }, ...(options.idleMinutes === undefined ? {} : { sessions: { idleMinutes: options.idleMinutes } }) });
    await initialize({ config, env: {}, clock: systemClock });
    const platform = await openPlatform({ config, env: {}, clock: systemClock });
    const setupCredential = (await platform.setup.issue(testContext)).token;
    const server = await startServer(platform, createLogger({ level: 'silent' }), { consoleDir });
    const base = `https://127.0.0.1:${server.httpPort}`;
    return new WorkHospital(made.root, platform, server, base, setupCredential, await ApiSetupClient.open(base));
  }

  async close(): Promise<void> {
    await this.api.dispose();
    await this.server.close();
    await rm(this.root, { recursive: true, force: true });
  }

  /** First-admin setup through the API (when the console did not do it). */
  async setupByApi(): Promise<void> {
    await this.api.call('POST', '/api/v1/setup', { body: { setupCredential: this.setupCredential, ...ADMIN } });
  }

  /** Signs the admin in (bearer) and enrols TOTP; then the clinician and the officer. No training yet. */
  async people(): Promise<void> {
    const login = await this.api.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username: ADMIN.username, password: ADMIN.password, mode: 'bearer' } });
    this.orgId = login.session.user.orgId;
    this.admin = { id: login.session.user.id, token: await this.enrolTotp(login.token, login.session.user.id) };
    this.clinician = await this.invite(CLINICIAN, 'clinician');
    this.officer = await this.invite(OFFICER, 'security-officer');
  }

  private async enrolTotp(token: string, userId: string): Promise<string> {
    const totp = await this.api.call<{ secret: string }>('POST', '/api/v1/me/mfa/totp/setup', { bearer: token });
    const usedAt = Date.now();
    const confirmed = await this.api.call<{ state: string }>('POST', '/api/v1/me/mfa/totp/confirm', { bearer: token, body: { code: totpCode(totp.secret, usedAt) } });
    assert.equal(confirmed.state, 'authenticated');
    this.totp.set(userId, { secret: totp.secret, usedAt });
    return token;
  }

  /** A fresh step-up code of an enrolled person: the next TOTP step after the last one used (waits only when it is not yet usable). */
  async stepUpCode(person: Person): Promise<string> {
    const known = this.totp.get(person.id);
    assert.ok(known !== undefined, 'the person enrolled TOTP through this fixture');
    const at = await totpStepAfter(known.usedAt);
    known.usedAt = at;
    return totpCode(known.secret, at);
  }

  private async invite(who: { username: string; displayName: string; password: string }, role: string): Promise<Person> {
    const invited = await this.api.call<{ user: { id: string }; oneTimePassword: string }>('POST', '/api/v1/users', {
      bearer: this.admin.token,
      body: { username: who.username, displayName: who.displayName, roles: [role] },
    });
    const first = await this.api.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username: who.username, password: invited.oneTimePassword, mode: 'bearer' } });
    const changed = await this.api.call<LoginAnswer>('POST', '/api/v1/auth/password', { bearer: first.token, body: { currentPassword: invited.oneTimePassword, newPassword: who.password } });
    const token = changed.state === 'mfa-enrollment-required' ? await this.enrolTotp(first.token, invited.user.id) : first.token;
    return { id: invited.user.id, token };
  }

  async training(userId: string): Promise<void> {
    const now = Date.now();
    await this.api.call('POST', `/api/v1/users/${userId}/training`, {
      bearer: this.admin.token,
      body: { course: 'hipaa-privacy-security', completedAt: new Date(now - 86_400_000).toISOString(), expiresAt: new Date(now + 364 * 86_400_000).toISOString() },
    });
  }

  /** Patients, the clinician's care team, a device bound to the patient in care, a rule (heart rate > 130). */
  async ward(): Promise<void> {
    for (const id of [this.admin.id, this.clinician.id, this.officer.id]) await this.training(id);
    this.inCareId = (await this.api.call<{ id: string }>('POST', '/api/v1/patients', { bearer: this.admin.token, body: IN_CARE })).id;
    this.outsideId = (await this.api.call<{ id: string }>('POST', '/api/v1/patients', { bearer: this.admin.token, body: OUTSIDE })).id;
    await this.careTeam(this.inCareId, [this.clinician.id]);
    await this.api.call('POST', '/api/v1/alert-rules', { bearer: this.admin.token, body: { metric: HEART_RATE, comparison: 'gt', value: 130, durationSeconds: 0, severity: 'high', enabled: true } });
    await this.bindDevice(this.inCareId, 'SN-WORK-0001');
    await this.bindDevice(this.outsideId, 'SN-WORK-0002');
  }

  async careTeam(patientId: string, members: readonly string[]): Promise<void> {
    await this.api.call('PUT', `/api/v1/patients/${patientId}/care-team`, { bearer: this.admin.token, body: { members: members.map((userId, i) => ({ userId, role: i === 0 ? 'primary' : 'member' })) } });
  }

  async enrolDevice(serial: string): Promise<BoundDevice> {
    const { token } = await this.api.call<{ token: string }>('POST', '/api/v1/devices/enrollment-tokens', { bearer: this.admin.token, body: { model: MODEL } });
    const csr = await makeTestCsr({ subject: 'CN=monitor, O=Vigil' });
    const enrolled = await this.platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial });
    const publicKeyPem = new X509Certificate(enrolled.certificate).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const device: BoundDevice = { deviceId: enrolled.deviceId, serial, orgId: this.orgId, model: MODEL, publicKeyPem, seq: 0 };
    this.devices.push(device);
    return device;
  }

  async bindDevice(patientId: string, serial: string): Promise<BoundDevice> {
    const device = await this.enrolDevice(serial);
    await this.api.call('POST', `/api/v1/patients/${patientId}/bindings`, {
      bearer: this.admin.token,
      body: { deviceId: device.deviceId, startAt: new Date(Date.now() - 30 * 60_000).toISOString() },
    });
    return device;
  }

  /** One reading through the running server's ingest pipeline, as the device would send it. */
  async ingest(device: BoundDevice, heartRate: number, spo2: number, at = new Date()): Promise<void> {
    device.seq += 1;
    const readings = [
      { metric: HEART_RATE, value: heartRate, unit: '/min' },
      { metric: SPO2, value: spo2, unit: '%' },
    ];
    const outcome = await this.server.telemetry.pipeline.ingest(device, { v: 1, deviceId: device.deviceId, seq: device.seq, ts: at.toISOString(), readings }, 'https', '127.0.0.1');
    assert.equal(outcome.status, 'stored', `ingest of seq ${device.seq}: ${JSON.stringify(outcome)}`);
  }

  /** A full set of the six vitals of one monitor, as one message. */
  async ingestAll(device: BoundDevice, v: { hr: number; spo2: number; rr: number; sys: number; dia: number; temp: number }, at = new Date()): Promise<void> {
    device.seq += 1;
    const readings = [
      { metric: HEART_RATE, value: v.hr, unit: '/min' },
      { metric: SPO2, value: v.spo2, unit: '%' },
      { metric: '9279-1', value: v.rr, unit: '/min' },
      { metric: '8480-6', value: v.sys, unit: 'mm[Hg]' },
      { metric: '8462-4', value: v.dia, unit: 'mm[Hg]' },
      { metric: '8310-5', value: v.temp, unit: 'Cel' },
    ];
    const outcome = await this.server.telemetry.pipeline.ingest(device, { v: 1, deviceId: device.deviceId, seq: device.seq, ts: at.toISOString(), readings }, 'https', '127.0.0.1');
    assert.equal(outcome.status, 'stored', `ingest of seq ${device.seq}: ${JSON.stringify(outcome)}`);
  }

  /** A browser context signed in as `person` (the API session's token as the session cookie). */
  async contextFor(browser: Browser, person: Person, viewport = { width: 1200, height: 800 }): Promise<BrowserContext> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: this.base, viewport, reducedMotion: 'reduce' });
    await context.addCookies([{ name: 'vigil_session', value: person.token, url: this.base, httpOnly: true, secure: true, sameSite: 'Strict' }]);
    return context;
  }
}
