/**
 * /api/v1/users, /api/v1/organizations, /api/v1/service-accounts: account administration.
 *
 * MUST: users are read and changed only in the caller's organization; another tenant's user id
 *       answers 404 (the store looks up by org and id).
 * MUST: one-time passwords and service tokens appear in the answer once and are stored hashed.
 */
import { Type } from 'typebox';
import { pageUsers, USER_SORT, type IdentityService } from '../../identity/index.js';
import { ROLES, type Role } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { DisplayName, IdParams, OrganizationSchema, OrgName, RolesBody, UserViewSchema, Username } from './identity-schemas.js';
import { listPageQuery, NextCursor } from './list-query.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const UserListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Part of the username or display name (case-insensitive).' })),
    role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('locked')])),
    mfa: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'Enrolled in MFA (true) or not (false).' })),
    ...listPageQuery(USER_SORT),
  },
  closed,
);
const UserAnswer = Type.Object({ user: UserViewSchema }, closed);

export function userRoutes(identity: IdentityService): HttpRoutes {
  return async (app) => {
    app.get(
      '/api/v1/users',
      {
        config: { permission: 'users:read' },
        schema: {
          summary: 'Users of the organization: search, filter (role, status, MFA), sort and cursor paging.',
          tags: ['users'],
          querystring: UserListQuery,
          response: { 200: Type.Object({ users: Type.Array(UserViewSchema), nextCursor: NextCursor }, closed) },
        },
      },
      async (request) => {
        const { q, role, status, mfa, ...paging } = request.query;
        const page = pageUsers(await identity.listUsers(requestContext(request)), { q, role: role as Role | undefined, status, mfa: mfa === undefined ? undefined : mfa === 'true' }, paging);
        return { users: page.items, nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/v1/users',
      {
        config: { permission: 'users:manage' },
        schema: {
          summary: 'Invites a user: a one-time password (shown once) that must change at first login.',
          tags: ['users'],
          body: Type.Object({ username: Username, displayName: DisplayName, roles: RolesBody }, closed),
          response: { 201: Type.Object({ user: UserViewSchema, oneTimePassword: Type.String() }, closed) },
        },
      },
      async (request, reply) => {
        const { user, oneTimePassword } = await identity.createUser(requestContext(request), request.body);
        return reply.code(201).send({ user, oneTimePassword: oneTimePassword ?? '' });
      },
    );

    app.post(
      '/api/v1/users/:id/disable',
      { config: { permission: 'users:manage' }, schema: { summary: 'Disables a user; their sessions end at once.', tags: ['users'], params: IdParams, response: { 200: UserAnswer } } },
      async (request) => ({ user: await identity.setUserStatus(requestContext(request), request.params.id, 'disabled') }),
    );

    app.post(
      '/api/v1/users/:id/enable',
      { config: { permission: 'users:manage' }, schema: { summary: 'Enables a user (and clears a lockout).', tags: ['users'], params: IdParams, response: { 200: UserAnswer } } },
      async (request) => ({ user: await identity.setUserStatus(requestContext(request), request.params.id, 'active') }),
    );

    app.post(
      '/api/v1/users/:id/reset-password',
      {
        config: { permission: 'users:manage' },
        schema: {
          summary: 'Forced reset: a one-time password that must change at the next login; every session of the user ends.',
          tags: ['users'],
          params: IdParams,
          response: { 200: Type.Object({ oneTimePassword: Type.String() }, closed) },
        },
      },
      async (request) => identity.resetPassword(requestContext(request), request.params.id),
    );

    app.post(
      '/api/v1/users/:id/reset-mfa',
      {
        config: { permission: 'users:manage' },
        schema: {
          summary: "MFA reset (a lost phone or key): removes the user's TOTP, recovery codes and passkeys and ends every session; raises a security event.",
          tags: ['users'],
          params: IdParams,
          response: { 200: Type.Object({ totpRemoved: Type.Boolean(), passkeysRemoved: Type.Integer(), sessionsRevoked: Type.Integer() }, closed) },
        },
      },
      async (request) => identity.resetMfa(requestContext(request), request.params.id),
    );

    app.put(
      '/api/v1/users/:id/roles',
      {
        config: { permission: 'users:manage' },
        schema: { summary: "Sets a user's roles; their sessions end.", tags: ['users'], params: IdParams, body: Type.Object({ roles: RolesBody }, closed), response: { 200: UserAnswer } },
      },
      async (request) => ({ user: await identity.setRoles(requestContext(request), request.params.id, request.body.roles) }),
    );

    app.get(
      '/api/v1/organizations',
      {
        config: { permission: 'organizations:read' },
        schema: { summary: 'Organizations (tenants).', tags: ['organizations'], response: { 200: Type.Object({ organizations: Type.Array(OrganizationSchema) }, closed) } },
      },
      async (request) => ({
        organizations: (await identity.listOrganizations(requestContext(request))).map(({ id, name, createdAt }) => ({ id, name, createdAt })),
      }),
    );

    app.post(
      '/api/v1/organizations',
      {
        config: { permission: 'organizations:manage' },
        schema: {
          summary: 'Creates an organization (tenant).',
          tags: ['organizations'],
          body: Type.Object({ name: OrgName }, closed),
          response: { 201: Type.Object({ organization: OrganizationSchema }, closed) },
        },
      },
      async (request, reply) => {
        const { id, name, createdAt } = await identity.createOrganization(requestContext(request), request.body.name);
        return reply.code(201).send({ organization: { id, name, createdAt } });
      },
    );

    app.post(
      '/api/v1/service-accounts',
      {
        config: { permission: 'service-accounts:manage' },
        schema: {
          summary: 'Creates a service account with a scoped, expiring API token (shown once).',
          tags: ['service-accounts'],
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              scopes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 }),
              expiresInDays: Type.Integer({ minimum: 1, maximum: 365 }),
            },
            closed,
          ),
          response: { 201: Type.Object({ id: Type.String(), token: Type.String(), expiresAt: Type.String() }, closed) },
        },
      },
      async (request, reply) => reply.code(201).send(await identity.createServiceAccount(requestContext(request), request.body)),
    );
  };
}
