/**
 * The devices API: enrolment tokens, enrolment (PUBLIC, the one-time token authenticates),
 * renewal (PUBLIC, the client certificate authenticates), the registry's reads, groups and site,
 * revoke, quarantine, release (one device, or a few in bulk), the list (search, filters, sort, paging), and the CRL (PUBLIC, as CRLs are: RFC 5280 §5).
 *
 * MUST: enrolment answers every token failure with one error (DEVICE_ENROLLMENT_FAILED, 401);
 *       CSR failures are 400 CA_CSR_* and do not consume the token.
 * MUST: renewal takes the device only from a TLS-verified client certificate (deviceCertificate)
 *       that devices' authenticateDevice accepts; nothing in the body names the device.
 * MUST: responses are allowlists (additionalProperties: false).
 */
import Type from 'typebox';
import { BULK_THRESHOLD } from '../../incidents/index.js';
import { BULK_DEVICE_ACTIONS, bulkChangeStatus, DEVICE_SORT, DEVICE_STATUSES, ONLINE_WINDOW_MS, type DeviceService, type DeviceStatus, type DeviceView as DeviceViewModel } from '../../devices/index.js';
import { systemClock, type Clock } from '../../kernel/index.js';
import { clientCertificateError, deviceCertificate } from './client-certificate.js';
import type { HttpRoutes } from './http-server.js';
import { listPageQuery, NextCursor } from './list-query.js';
import { PUBLIC, requestContext } from './route-permissions.js';
import { sourceRateLimit, type SourceRateLimit } from './source-rate-limit.js';

export interface DeviceRoutesOptions {
  readonly service: DeviceService;
  /** Per source address on enrol and renew; default 30 per minute. */
  readonly publicRateLimit?: SourceRateLimit;
  readonly clock?: Clock;
}

export const DEFAULT_PUBLIC_RATE_LIMIT: SourceRateLimit = { max: 30, windowMs: 60_000 };

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DeviceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
/** A site code: the same characters as a group name (devices/model.ts SITE_RE). */
const SiteCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: "A site code, e.g. st-marys or clinic.north: letters, digits, '.', '_' and '-'." });
const Pem = Type.String({ minLength: 1, maxLength: 8192 });
/** Printable ASCII only: these fields end up in tables, logs and the console. */
const PRINTABLE = '^[\\x20-\\x7E]+$';
const Reason = Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$', description: 'Coded reason, e.g. key-compromise, lost-device.' });

const DeviceView = Type.Object(
  {
    id: Type.String(),
    orgId: Type.String(),
    model: Type.String(),
    serial: Type.String(),
    udi: Nullable(Type.String()),
    firmwareVersion: Nullable(Type.String()),
    status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('quarantined'), Type.Literal('revoked'), Type.Literal('decommissioned')]),
    groups: Type.Array(Type.String()),
    site: Nullable(Type.String({ description: 'The site the device is at (a short code); null: none.' })),
    lastSeenAt: Nullable(Type.String()),
    certificate: Nullable(Type.Object({ serial: Type.String(), notAfter: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const DeviceListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: PRINTABLE, description: 'Part of the serial, id or model (case-insensitive).' })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: PRINTABLE })),
    site: Type.Optional(SiteCode),
    status: Type.Optional(Type.String({ pattern: `^(${DEVICE_STATUSES.join('|')})(,(${DEVICE_STATUSES.join('|')})){0,4}$`, description: 'One or more statuses, comma-separated.' })),
    online: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: `Seen within the last ${ONLINE_WINDOW_MS / 1000} s (true) or not (false).` })),
    ...listPageQuery(DEVICE_SORT),
  },
  { additionalProperties: false },
);

function parseStatuses(text: string): DeviceStatus[] {
  return [...new Set(text.split(','))] as DeviceStatus[];
}

const EnrollmentAnswer = Type.Object(
  {
    deviceId: Type.String(),
    certificate: Type.String(),
    chain: Type.Array(Type.String()),
    mqtt: Type.Object({ port: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: DeviceId }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const BulkBody = Type.Object(
  {
    action: Type.Union(BULK_DEVICE_ACTIONS.map((a) => Type.Literal(a))),
    deviceIds: Type.Array(DeviceId, { minItems: 1, maxItems: 200, description: `More than ${BULK_THRESHOLD} answers 409 DEVICE_BULK_APPROVAL_REQUIRED: request it as an incident containment action (a second person approves).` }),
    reason: Reason,
  },
  { additionalProperties: false },
);
const BulkAnswer = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        { deviceId: Type.String(), outcome: Type.Union([Type.Literal('ok'), Type.Literal('not-found'), Type.Literal('conflict')]), device: Type.Union([DeviceView, Type.Null()]) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export function deviceRoutes(options: DeviceRoutesOptions): HttpRoutes {
  const { service } = options;
  return async (app) => {
    const limited = sourceRateLimit(options.publicRateLimit ?? DEFAULT_PUBLIC_RATE_LIMIT, options.clock ?? systemClock);
    app.post(
      '/api/v1/devices/enrollment-tokens',
      {
        config: { permission: 'devices:enroll' },
        schema: {
          summary: 'Issue a one-time enrolment token for a device model (shown once).',
          tags: ['devices'],
          body: Type.Object(
            { model: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }), expiresInMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10080 })) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ token: Type.String(), tokenId: Type.String(), expiresAt: Type.String() }, { additionalProperties: false }),
          },
        },
      },
      async (request, reply) => {
        const issued = await service.issueEnrollmentToken(requestContext(request), request.body);
        reply.header('cache-control', 'no-store');
        return reply.code(201).send({ token: issued.token, tokenId: issued.tokenId, expiresAt: issued.expiresAt });
      },
    );

    app.post(
      '/api/v1/devices/enroll',
      {
        config: { permission: PUBLIC },
        onRequest: limited,
        schema: {
          summary: 'Enrol a device: a one-time token and a CSR in, a certificate chain out.',
          tags: ['devices'],
          body: Type.Object(
            {
              token: Type.String({ minLength: 1, maxLength: 128 }),
              csr: Pem,
              serial: Type.String({ minLength: 1, maxLength: 64 }),
              udi: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: PRINTABLE })),
              firmwareVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: PRINTABLE })),
              model: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: EnrollmentAnswer },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await service.enroll(requestContext(request), {
          token: body.token,
          csr: body.csr,
          serial: body.serial,
          udi: body.udi,
          firmwareVersion: body.firmwareVersion,
          model: body.model,
        });
        return reply.code(201).send(result);
      },
    );

    app.post(
      '/api/v1/devices/renew',
      {
        config: { permission: PUBLIC },
        onRequest: limited,
        schema: {
          summary: "Renew a device certificate; authenticated by the device's current client certificate.",
          tags: ['devices'],
          body: Type.Object({ csr: Pem }, { additionalProperties: false }),
          response: { 200: EnrollmentAnswer },
        },
      },
      async (request) => service.renew(requestContext(request), deviceCertificate(request), request.body.csr, clientCertificateError(request)),
    );

    app.get(
      '/api/v1/devices/crl',
      {
        config: { permission: PUBLIC },
        schema: { summary: "The device CA's certificate revocation list (PEM).", tags: ['devices'] },
      },
      async (_request, reply) => {
        const pem = await service.crl();
        return reply.header('content-type', 'application/x-pem-file').header('cache-control', 'no-cache').send(pem);
      },
    );

    app.get(
      '/api/v1/devices',
      {
        config: { permission: 'devices:read' },
        schema: {
          summary: 'Devices of the organization: search, filter, sort and cursor paging.',
          tags: ['devices'],
          querystring: DeviceListQuery,
          response: { 200: Type.Object({ devices: Type.Array(DeviceView), nextCursor: NextCursor }, { additionalProperties: false }) },
        },
      },
      async (request) => {
        const { q, model, site, status, online, ...paging } = request.query;
        const filter = { q, model, site, statuses: status === undefined ? undefined : parseStatuses(status), online: online === undefined ? undefined : online === 'true' };
        const page = await service.page(requestContext(request), filter, paging);
        return { devices: page.items, nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/devices/:id',
      {
        config: { permission: 'devices:read' },
        schema: { summary: 'One device.', tags: ['devices'], params: IdParams, response: { 200: DeviceView } },
      },
      async (request) => service.get(requestContext(request), { deviceId: request.params.id }),
    );

    const change = (path: string, summary: string, run: (id: string, reason: string, request: Parameters<typeof requestContext>[0]) => Promise<DeviceViewModel>) =>
      app.post(
        `/api/v1/devices/:id/${path}`,
        {
          config: { permission: 'devices:manage' },
          schema: { summary, tags: ['devices'], params: IdParams, body: ReasonBody, response: { 200: DeviceView } },
        },
        async (request) => run(request.params.id, request.body.reason, request),
      );
    change('revoke', 'Revoke a device: certificates revoked, open connections cut, CRL re-signed.', (id, reason, request) =>
      service.revoke(requestContext(request), { deviceId: id }, reason),
    );
    change('quarantine', 'Quarantine a device: it may not connect or publish until released.', (id, reason, request) =>
      service.quarantine(requestContext(request), { deviceId: id }, reason),
    );
    app.put(
      '/api/v1/devices/:id/groups',
      {
        config: { permission: 'devices:manage' },
        schema: {
          summary: "Replace a device's groups.",
          tags: ['devices'],
          params: IdParams,
          body: Type.Object({ groups: Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }), { maxItems: 32 }) }, { additionalProperties: false }),
          response: { 200: DeviceView },
        },
      },
      async (request) => service.setGroups(requestContext(request), { deviceId: request.params.id }, request.body.groups),
    );
    app.put(
      '/api/v1/devices/:id/site',
      {
        config: { permission: 'devices:manage' },
        schema: {
          summary: "Set a device's site (a short code), or clear it with null. Rollouts can be narrowed to a site.",
          tags: ['devices'],
          params: IdParams,
          body: Type.Object({ site: Nullable(SiteCode) }, { additionalProperties: false }),
          response: { 200: DeviceView },
        },
      },
      async (request) => service.setSite(requestContext(request), { deviceId: request.params.id }, request.body.site),
    );
    change('decommission', 'Retire a device for good: certificates revoked, connections cut.', (id, reason, request) =>
      service.decommission(requestContext(request), { deviceId: id }, reason),
    );
    app.post(
      '/api/v1/devices/bulk',
      {
        config: { permission: 'devices:manage' },
        schema: {
          summary: `Quarantine or release several devices (at most ${BULK_THRESHOLD}; more follows the incident two-person rule): one audited change per device, one outcome each.`,
          tags: ['devices'],
          body: BulkBody,
          response: { 200: BulkAnswer },
        },
      },
      async (request) => ({ results: await bulkChangeStatus(service, requestContext(request), request.body, BULK_THRESHOLD) }),
    );
    change('release', 'Release a quarantined device.', (id, reason, request) => service.release(requestContext(request), { deviceId: id }, reason));
  };
}
