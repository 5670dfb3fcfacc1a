/**
 * HTTP routes of security alert delivery: channels and dead letters.
 *
 *   GET  /api/v1/security/channels                security:channels -> {channels}
 *   POST /api/v1/security/channels                security:channels -> channel (201)
 *   GET  /api/v1/security/channels/:id            security:channels -> channel
 *   PATCH /api/v1/security/channels/:id           security:channels -> channel (edit, disable)
 *   DELETE /api/v1/security/channels/:id          security:channels -> 204
 *   GET  /api/v1/security/dead-letters            security:channels -> {deadLetters}
 *   POST /api/v1/security/dead-letters/:id/retry  security:channels -> 202
 *
 * MUST: channel secrets are write-only: no response schema has a field that could carry one.
 * MUST: handlers only translate; the service authorizes, seals and audits; another tenant's
 *       channel answers 404.
 */
import Type from 'typebox';
import type { DeliveryService } from '../../alerts/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const Id = Type.String({ format: 'uuid', maxLength: 36 });
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const Host = Type.String({ minLength: 1, maxLength: 253 });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Pem = Type.String({ minLength: 1, maxLength: 20_000 });
const Timeout = Type.Integer({ minimum: 100, maximum: 60_000 });
const Common = { name: Type.String({ minLength: 1, maxLength: 100 }), minSeverity: Severity, enabled: Type.Optional(Type.Boolean()) };

const WebhookConfig = (secret: 'required' | 'optional') => {
  const Secret = Type.String({ minLength: 16, maxLength: 256 });
  return Type.Object(
    {
      url: Type.String({ minLength: 8, maxLength: 2000 }),
      secret: secret === 'required' ? Secret : Type.Optional(Secret),
      timeoutMs: Type.Optional(Timeout),
      caPem: Type.Optional(Pem),
      insecure: Type.Optional(Type.Boolean()),
    },
    closed,
  );
};
const EmailConfig = Type.Object(
  {
    host: Host,
    port: Port,
    from: Type.String({ minLength: 3, maxLength: 320 }),
    to: Type.Array(Type.String({ minLength: 3, maxLength: 320 }), { minItems: 1, maxItems: 20 }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    caPem: Type.Optional(Pem),
    timeoutMs: Type.Optional(Timeout),
    tlsMode: Type.Optional(Type.Union([Type.Literal('starttls'), Type.Literal('implicit')])),
    insecure: Type.Optional(Type.Boolean()),
  },
  closed,
);
const SyslogConfig = Type.Object(
  {
    host: Host,
    port: Port,
    transport: Type.Optional(Type.Union([Type.Literal('tls'), Type.Literal('tcp')])),
    facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
    caPem: Type.Optional(Pem),
    timeoutMs: Type.Optional(Timeout),
    insecure: Type.Optional(Type.Boolean()),
  },
  closed,
);

const CreateChannelBody = Type.Union([
  Type.Object({ kind: Type.Literal('webhook'), ...Common, config: WebhookConfig('required') }, closed),
  Type.Object({ kind: Type.Literal('email'), ...Common, config: EmailConfig }, closed),
  Type.Object({ kind: Type.Literal('syslog'), ...Common, config: SyslogConfig }, closed),
]);
/** An edit; a config replaces the whole config of the channel's kind (secrets left out are kept). */
const PatchChannelBody = Type.Object(
  {
    name: Type.Optional(Common.name),
    minSeverity: Type.Optional(Severity),
    enabled: Type.Optional(Type.Boolean()),
    config: Type.Optional(Type.Union([WebhookConfig('optional'), EmailConfig, SyslogConfig])),
  },
  { ...closed, minProperties: 1 },
);

const Channel = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('webhook'), Type.Literal('email'), Type.Literal('syslog')]),
    name: Type.String(),
    enabled: Type.Boolean(),
    minSeverity: Severity,
    target: Type.String(),
  },
  closed,
);
const ChannelList = Type.Object({ channels: Type.Array(Channel) }, closed);
const DeadLetter = Type.Object(
  { id: Type.String(), channelId: Type.String(), alertId: Type.String(), attempts: Type.Integer(), lastError: Type.String(), createdAt: Type.String() },
  closed,
);
const DeadLetterList = Type.Object({ deadLetters: Type.Array(DeadLetter) }, closed);
const Accepted = Type.Object({ status: Type.Literal('retrying') }, closed);

export interface DeliveryRoutesDeps {
  readonly delivery: DeliveryService;
}

export function deliveryRoutes(deps: DeliveryRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['security'];
    app.get(
      '/api/v1/security/channels',
      { config: { permission: 'security:channels' }, schema: { summary: 'Security alert channels (no secrets).', tags, response: { 200: ChannelList } } },
      async (request) => ({ channels: await deps.delivery.listChannels(requestContext(request)) }),
    );

    app.post(
      '/api/v1/security/channels',
      { config: { permission: 'security:channels' }, schema: { summary: 'Add a webhook, email or syslog channel.', tags, body: CreateChannelBody, response: { 201: Channel } } },
      async (request, reply) => reply.code(201).send(await deps.delivery.createChannel(requestContext(request), request.body)),
    );

    const params = Type.Object({ id: Id }, closed);
    app.get(
      '/api/v1/security/channels/:id',
      { config: { permission: 'security:channels' }, schema: { summary: 'One security alert channel (no secrets).', tags, params, response: { 200: Channel } } },
      async (request) => deps.delivery.getChannel(requestContext(request), request.params.id),
    );

    app.patch(
      '/api/v1/security/channels/:id',
      {
        config: { permission: 'security:channels' },
        schema: { summary: 'Edit, disable (enabled: false) or re-enable a channel.', tags, params, body: PatchChannelBody, response: { 200: Channel } },
      },
      async (request) => deps.delivery.updateChannel(requestContext(request), request.params.id, request.body),
    );

    app.delete(
      '/api/v1/security/channels/:id',
      { config: { permission: 'security:channels' }, schema: { summary: 'Delete a channel and its deliveries in flight.', tags, params } },
      async (request, reply) => {
        await deps.delivery.deleteChannel(requestContext(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/v1/security/dead-letters',
      { config: { permission: 'security:channels' }, schema: { summary: 'Alert deliveries that exhausted their retries.', tags, response: { 200: DeadLetterList } } },
      async (request) => ({ deadLetters: await deps.delivery.listDeadLetters(requestContext(request)) }),
    );

    app.post(
      '/api/v1/security/dead-letters/:id/retry',
      {
        config: { permission: 'security:channels' },
        schema: { summary: 'Retry a dead letter (a new round of attempts).', tags, params: Type.Object({ id: Id }, closed), response: { 202: Accepted } },
      },
      async (request, reply) => {
        await deps.delivery.retryDeadLetter(requestContext(request), request.params.id);
        return reply.code(202).send({ status: 'retrying' as const });
      },
    );
  };
}
