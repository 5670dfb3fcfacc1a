/**
 * /api/v1/auth/*, /api/v1/me/mfa/* and /api/v1/setup: signing in and out, the second factor, the
 * password change, MFA enrolment, and the first-admin setup.
 *
 * MUST: every route here is rate-limited per source address (@fastify/rate-limit), on top of the
 *       per-account lockout in identity/.
 * MUST: the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/ and carries no expiry
 *       (the server ends sessions; the browser drops the cookie when it closes).
 * MUST: the session token appears in a body only in bearer mode, once, at login.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { SESSION_COOKIE, type IdentityService, type SessionAuth } from '../../identity/index.js';
import { AppError } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { anonymousContext, type IdentityAuthorizer } from './identity-authorizer.js';
import { AnyJson, Code, DisplayName, OrganizationSchema, OrgName, Password, StateAndSession, UserViewSchema, Username, WebauthnResponse } from './identity-schemas.js';
import { PUBLIC, requestContext } from './route-permissions.js';

export interface AuthRoutesOptions {
  readonly identity: IdentityService;
  readonly authorizer: IdentityAuthorizer;
  /** Requests per minute per source address, per route. */
  readonly rateLimitPerMinute: number;
}

const closed = { additionalProperties: false } as const;

function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${token}; HttpOnly; Secure; SameSite=Strict; Path=/`);
}

function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0`);
}

export function authRoutes(options: AuthRoutesOptions): HttpRoutes {
  const { identity, authorizer } = options;
  // Routes that check a secret (password, code, credential) get the configured limit; reading,
  // touching or ending one's session gets ten times as much (many users can share one NAT address).
  const limit = { max: options.rateLimitPerMinute, timeWindow: 60_000 };
  const self = { permission: 'session:self', rateLimit: limit } as const;
  const open = { permission: PUBLIC, rateLimit: limit } as const;
  const sessionUse = { permission: 'session:self', rateLimit: { ...limit, max: options.rateLimitPerMinute * 10 } } as const;

  const sessionOf = (request: FastifyRequest): SessionAuth => {
    const auth = authorizer.sessionOf(request);
    if (!auth) throw new AppError('IDENTITY_SESSION_INVALID');
    return auth;
  };
  const answer = async (auth: SessionAuth) => {
    const session = await identity.view(auth);
    return { state: session.state, session };
  };

  return async (app) => {
    await app.register(fastifyRateLimit, {
      global: false,
      errorResponseBuilder: () => new AppError('RATE_LIMITED'),
    });

    app.get(
      '/api/v1/setup',
      {
        config: { permission: PUBLIC, rateLimit: { ...limit, max: options.rateLimitPerMinute * 10 } },
        schema: {
          summary: 'Whether first-admin setup is pending (the sign-in page offers "First-time setup" until it is done).',
          tags: ['identity'],
          response: { 200: Type.Object({ pending: Type.Boolean() }, closed) },
        },
      },
      async () => ({ pending: await identity.setupPending() }),
    );

    app.post(
      '/api/v1/setup',
      {
        config: open,
        schema: {
          summary: 'First-admin setup: consume the setup credential, create the first organization and its platform-admin.',
          tags: ['identity'],
          body: Type.Object({ setupCredential: Type.String({ minLength: 1, maxLength: 200 }), organization: OrgName, username: Username, displayName: DisplayName, password: Password }, closed),
          response: { 201: Type.Object({ organization: OrganizationSchema, user: UserViewSchema }, closed) },
        },
      },
      async (request, reply) => {
        const result = await identity.completeSetup(anonymousContext(request), request.body);
        const { id, name, createdAt } = result.organization;
        return reply.code(201).send({ organization: { id, name, createdAt }, user: result.user });
      },
    );

    app.post(
      '/api/v1/auth/login',
      {
        config: open,
        schema: {
          summary:
            'Sign in with username and password, and the organization (name or id) when the username exists in more than one (usernames are unique per organization). The answer says which step comes next.',
          tags: ['identity'],
          body: Type.Object(
            {
              username: Username,
              password: Password,
              organization: Type.Optional(Type.String({ maxLength: 200 })),
              mode: Type.Optional(Type.Union([Type.Literal('cookie'), Type.Literal('bearer')])),
            },
            closed,
          ),
          response: { 200: StateAndSession },
        },
      },
      async (request, reply) => {
        const mode = request.body.mode ?? 'cookie';
        const result = await identity.login(anonymousContext(request), { username: request.body.username, password: request.body.password, organization: request.body.organization, mode });
        if (mode === 'cookie') setSessionCookie(reply, result.token);
        return { state: result.view.state, session: result.view, ...(mode === 'bearer' ? { token: result.token } : {}) };
      },
    );

    app.get(
      '/api/v1/auth/session',
      { config: sessionUse, schema: { summary: 'The current session (does not extend the idle timer).', tags: ['identity'], response: { 200: StateAndSession.properties.session } } },
      async (request) => identity.view(sessionOf(request)),
    );

    app.post(
      '/api/v1/auth/session/touch',
      { config: sessionUse, schema: { summary: 'Extends the idle timer of the current session.', tags: ['identity'], response: { 200: StateAndSession.properties.session } } },
      async (request) => identity.view(sessionOf(request)),
    );

    app.post(
      '/api/v1/auth/logout',
      { config: sessionUse, schema: { summary: 'Ends the current session at once.', tags: ['identity'] } },
      async (request, reply) => {
        await identity.logout(requestContext(request), sessionOf(request));
        clearSessionCookie(reply);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/auth/mfa/totp',
      { config: self, schema: { summary: 'Completes an mfa-required login with a TOTP code.', tags: ['identity'], body: Type.Object({ code: Code }, closed), response: { 200: StateAndSession } } },
      async (request) => answer(await identity.verifyTotp(requestContext(request), sessionOf(request), request.body.code)),
    );

    app.post(
      '/api/v1/auth/mfa/recovery',
      { config: self, schema: { summary: 'Completes an mfa-required login with a one-time recovery code.', tags: ['identity'], body: Type.Object({ code: Code }, closed), response: { 200: StateAndSession } } },
      async (request) => answer(await identity.verifyRecoveryCode(requestContext(request), sessionOf(request), request.body.code)),
    );

    app.post(
      '/api/v1/auth/mfa/webauthn/options',
      { config: self, schema: { summary: 'WebAuthn authentication options (PublicKeyCredentialRequestOptionsJSON).', tags: ['identity'], response: { 200: AnyJson } } },
      async (request) => identity.webauthnAuthenticationOptions(sessionOf(request)),
    );

    app.post(
      '/api/v1/auth/mfa/webauthn',
      { config: self, schema: { summary: 'Completes an mfa-required login with a passkey.', tags: ['identity'], body: WebauthnResponse, response: { 200: StateAndSession } } },
      async (request) => answer(await identity.verifyWebauthn(requestContext(request), sessionOf(request), request.body.response)),
    );

    app.post(
      '/api/v1/auth/password',
      {
        config: self,
        schema: {
          summary: "Changes one's own password; ends the user's other sessions.",
          tags: ['identity'],
          body: Type.Object({ currentPassword: Password, newPassword: Password }, closed),
          response: { 200: StateAndSession },
        },
      },
      async (request) => answer(await identity.changePassword(requestContext(request), sessionOf(request), request.body.currentPassword, request.body.newPassword)),
    );

    app.post(
      '/api/v1/me/mfa/totp/setup',
      {
        config: self,
        schema: {
          summary: 'Starts TOTP enrolment: a new secret, its otpauth:// URL and a QR code (SVG).',
          tags: ['identity'],
          response: { 200: Type.Object({ secret: Type.String(), otpauthUrl: Type.String(), qrSvg: Type.String() }, closed) },
        },
      },
      async (request) => identity.totpSetup(requestContext(request), sessionOf(request)),
    );

    app.post(
      '/api/v1/me/mfa/totp/confirm',
      {
        config: self,
        schema: {
          summary: 'Confirms TOTP enrolment with a first code; answers the one-time recovery codes (shown once).',
          tags: ['identity'],
          body: Type.Object({ code: Code }, closed),
          response: { 200: Type.Object({ recoveryCodes: Type.Array(Type.String()), state: StateAndSession.properties.state, session: StateAndSession.properties.session }, closed) },
        },
      },
      async (request) => {
        const { recoveryCodes, auth } = await identity.totpConfirm(requestContext(request), sessionOf(request), request.body.code);
        return { recoveryCodes, ...(await answer(auth)) };
      },
    );

    app.post(
      '/api/v1/me/mfa/webauthn/registration-options',
      { config: self, schema: { summary: 'WebAuthn registration options for a new passkey.', tags: ['identity'], response: { 200: AnyJson } } },
      async (request) => identity.webauthnRegistrationOptions(sessionOf(request)),
    );

    app.post(
      '/api/v1/me/mfa/webauthn/registration',
      { config: self, schema: { summary: 'Registers a passkey.', tags: ['identity'], body: WebauthnResponse, response: { 200: StateAndSession } } },
      async (request) => answer(await identity.webauthnRegister(requestContext(request), sessionOf(request), request.body.response)),
    );
  };
}
