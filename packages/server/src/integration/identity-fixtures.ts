/**
 * Fixtures for HTTP-level identity tests: a real server on 127.0.0.1 port 0 over a test platform
 * (ManualClock), a small HTTPS client, and steps that sign people in (with TOTP where required).
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { totpCode } from '../identity/index.js';
import { startServer, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { makePlatform, testContext, type TestPlatform } from './fixtures.js';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly ms: number;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly bearer?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly headers?: Record<string, string>;
}

/** A signed-in party: a bearer token, or a cookie with its CSRF token. */
export interface Signed {
  readonly userId: string;
  readonly bearer?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly totpSecret?: string;
  readonly recoveryCodes?: readonly string[];
}

export const ADMIN_PASSWORD = 'Tulip-Granite-Orbit-4217';
export const USER_PASSWORD = 'Quartz-Meadow-Lantern-93';

export class IdentityHarness {
  private constructor(
    readonly t: TestPlatform,
    readonly server: RunningServer,
    private readonly ca: string,
  ) {}

  static async start(overrides: Record<string, unknown> = {}): Promise<IdentityHarness> {
    const t = await makePlatform({ httpPort: 0, mqttPort: 0, login: { rateLimitPerMinute: 1000 }, ...overrides });
    const server = await startServer(t.platform, createLogger({ level: 'silent' }), { consoleDir: join(t.dataDir, 'no-console') });
    const ca = readFileSync(join(t.dataDir, 'ca', 'root.pem'), 'utf8');
    return new IdentityHarness(t, server, ca);
  }

  get clock() {
    return this.t.clock;
  }

  async dispose(): Promise<void> {
    await this.server.close().catch(() => undefined);
    await this.t.dispose();
  }

  call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    if (options.cookie !== undefined) headers['cookie'] = `vigil_session=${options.cookie}`;
    if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.server.httpPort, method, path, ca: this.ca, servername: 'localhost', headers, agent: false },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            let body: Record<string, unknown> = {};
            // JSON and its +json kinds (FHIR); not JSON lines (application/x-ndjson, the audit export).
            if (text.length > 0 && /[/+]json(;|$)/.test(res.headers['content-type'] ?? '')) body = JSON.parse(text) as Record<string, unknown>;
            resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ms });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** As `call`, for a signed-in party (bearer, or cookie + CSRF). */
  as(who: Signed, method: string, path: string, body?: unknown): Promise<Answer> {
    return this.call(method, path, {
      ...(body !== undefined ? { body } : {}),
      ...(who.bearer !== undefined ? { bearer: who.bearer } : {}),
      ...(who.cookie !== undefined ? { cookie: who.cookie } : {}),
      ...(who.csrf !== undefined ? { csrf: who.csrf } : {}),
    });
  }

  /**
   * A fresh TOTP code of a signed-in party for a step-up (a bulk containment, an approval): the
   * clock moves to the next 30-second step first, since a code is accepted once.
   */
  freshCode(who: Signed): string {
    if (who.totpSecret === undefined) throw new Error(`user ${who.userId} has no TOTP secret`);
    this.clock.advance(31_000);
    return totpCode(who.totpSecret, this.clock.now());
  }

  /** Runs first-admin setup and returns the admin's user id. */
  async setup(organization = 'General Hospital', username = 'admin'): Promise<string> {
    const issued = await this.t.platform.setup.issue(testContext);
    const answer = await this.call('POST', '/api/v1/setup', {
      body: { setupCredential: issued.token, organization, username, displayName: 'First Admin', password: ADMIN_PASSWORD },
    });
    if (answer.status !== 201) throw new Error(`setup failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return (answer.body['user'] as { id: string }).id;
  }

  async login(username: string, password: string, mode: 'bearer' | 'cookie' = 'bearer'): Promise<Answer> {
    return this.call('POST', '/api/v1/auth/login', { body: { username, password, mode } });
  }

  /** Logs in with a bearer token; enrols TOTP when required; completes TOTP when required. */
  async signIn(username: string, password: string, known: Partial<Signed> = {}): Promise<Signed> {
    const answer = await this.login(username, password);
    if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    const bearer = answer.body['token'] as string;
    const session = answer.body['session'] as { user: { id: string }; state: string };
    let signed: Signed = { ...known, userId: session.user.id, bearer };
    let state = session.state;
    if (state === 'mfa-required' && signed.totpSecret !== undefined) {
      this.clock.advance(30_000);
      const done = await this.as(signed, 'POST', '/api/v1/auth/mfa/totp', { code: totpCode(signed.totpSecret, this.clock.now()) });
      state = done.body['state'] as string;
    }
    if (state === 'mfa-enrollment-required') {
      const setup = await this.as(signed, 'POST', '/api/v1/me/mfa/totp/setup');
      const secret = setup.body['secret'] as string;
      const confirm = await this.as(signed, 'POST', '/api/v1/me/mfa/totp/confirm', { code: totpCode(secret, this.clock.now()) });
      if (confirm.status !== 200) throw new Error(`totp confirm failed: ${JSON.stringify(confirm.body)}`);
      signed = { ...signed, totpSecret: secret, recoveryCodes: confirm.body['recoveryCodes'] as string[] };
      state = confirm.body['state'] as string;
    }
    if (state !== 'authenticated') throw new Error(`sign-in ended in state ${state}`);
    return signed;
  }

  /** Admin creates a user; the user changes the one-time password and signs in. */
  async createUser(admin: Signed, username: string, roles: string[], password = USER_PASSWORD): Promise<Signed & { oneTimePassword: string }> {
    const created = await this.as(admin, 'POST', '/api/v1/users', { username, displayName: username, roles });
    if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
    const oneTimePassword = created.body['oneTimePassword'] as string;
    const userId = (created.body['user'] as { id: string }).id;
    return { ...(await this.createUserless(username, oneTimePassword, password)), userId, oneTimePassword };
  }

  /** First login of a user made elsewhere: change the one-time password, enrol MFA if required. */
  async createUserless(username: string, oneTimePassword: string, password = USER_PASSWORD): Promise<Signed> {
    const first = await this.login(username, oneTimePassword);
    const bearer = first.body['token'] as string;
    const changed = await this.call('POST', '/api/v1/auth/password', { bearer, body: { currentPassword: oneTimePassword, newPassword: password } });
    if (changed.status !== 200) throw new Error(`password change failed: ${changed.status} ${JSON.stringify(changed.body)}`);
    const session = changed.body['session'] as { user: { id: string } };
    if (changed.body['state'] === 'authenticated') return { userId: session.user.id, bearer };
    return this.signIn(username, password);
  }
}

export function errorCode(answer: Answer): string | undefined {
  return (answer.body['error'] as { code?: string } | undefined)?.code;
}
