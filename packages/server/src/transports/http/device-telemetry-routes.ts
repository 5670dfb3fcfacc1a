/**
 * Device-facing and operator-facing routes of telemetry (issue 4 items 4 and 8):
 *   POST /api/v1/devices/telemetry        a device posts a TelemetryEnvelope over mTLS -> 202 after commit
 *   POST /api/v1/devices/:id/commands     an operator sends a command -> {commandId, nonce, expiresAt, status}
 *   GET  /api/v1/devices/:id/commands     devices:read: the device's recent commands and their status
 *   GET  /api/v1/devices/:id/commands/:commandId   devices:read: one command's status
 *
 * MUST: the telemetry route trusts only a client certificate that the TLS layer verified
 *       (ClientCertificateLookup) and that the DeviceAuthenticator maps to an active device; it
 *       is PUBLIC at the route table because the certificate, not a session, authenticates.
 * MUST: 202 is sent only after the durable commit (same pipeline and group commit as MQTT).
 * MUST: a refused message answers 422 TELEMETRY_REJECTED; the coded reason is counted and
 *       emitted as a security event by the pipeline, not echoed in detail to the device.
 */
import type { X509Certificate } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, type SecurityEventSink } from '../../kernel/index.js';
import { COMMAND_NAME_RE, MAX_COMMAND_TTL_SECONDS, MAX_COMMANDS_LISTED, type CommandService, type DeviceCommandRow, type IngestPipeline } from '../../telemetry/index.js';
import type { DeviceAuthenticator } from '../mqtt/index.js';
import type { HttpRoutes } from './http-server.js';
import { PUBLIC, requestContext } from './route-permissions.js';

/** The verified client certificate of a request, or null (main.ts reads it off the TLS socket). */
export type ClientCertificateLookup = (request: FastifyRequest) => X509Certificate | null;

export interface DeviceTelemetryRoutesOptions {
  readonly pipeline: IngestPipeline;
  readonly commands: CommandService;
  readonly authenticator: DeviceAuthenticator;
  readonly clientCertificate: ClientCertificateLookup;
  readonly events: SecurityEventSink;
}

const IngestReply = Type.Object({ status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]), seq: Type.Integer() }, { additionalProperties: false });
const CommandParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$' }) }, { additionalProperties: false });
const CommandBody = Type.Object(
  {
    name: Type.String({ pattern: COMMAND_NAME_RE.source, maxLength: 64 }),
    args: Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,63}$' }), Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]), { maxProperties: 32 }),
    ttlSeconds: Type.Integer({ minimum: 1, maximum: MAX_COMMAND_TTL_SECONDS }),
  },
  { additionalProperties: false },
);
const CommandReply = Type.Object(
  { commandId: Type.String(), nonce: Type.String(), expiresAt: Type.String(), status: Type.String() },
  { additionalProperties: false },
);

const CommandStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('rejected'), Type.Literal('expired')], {
  description: 'pending: not yet delivered; sent: delivered, no ack; done/failed/rejected: the device’s ack; expired: no ack before expiresAt.',
});
const CommandView = Type.Object(
  {
    commandId: Type.String(),
    deviceId: Type.String(),
    name: Type.String(),
    args: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    status: CommandStatusSchema,
    issuedAt: Type.String(),
    issuedBy: Type.String(),
    expiresAt: Type.String(),
    deliveredAt: Type.Union([Type.String(), Type.Null()]),
    ackedAt: Type.Union([Type.String(), Type.Null()]),
    ackReason: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
const CommandStatusParams = Type.Object({ id: CommandParams.properties.id, commandId: Type.String({ minLength: 1, maxLength: 64, description: 'The commandId that sending answered.' }) }, { additionalProperties: false });
const CommandHistoryQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COMMANDS_LISTED, description: 'Default 20.' })) }, { additionalProperties: false });

function commandView(r: DeviceCommandRow) {
  return {
    commandId: r.id,
    deviceId: r.deviceId,
    name: r.name,
    args: JSON.parse(r.args) as Record<string, string | number | boolean>,
    status: r.status,
    issuedAt: r.issuedAt,
    issuedBy: r.issuedBy,
    expiresAt: r.expiresAt,
    deliveredAt: r.deliveredAt,
    ackedAt: r.ackedAt,
    ackReason: r.ackReason,
  };
}

export function deviceTelemetryRoutes(options: DeviceTelemetryRoutesOptions): HttpRoutes {
  return async (app) => {
    app.post(
      '/api/v1/devices/telemetry',
      {
        config: { permission: PUBLIC },
        schema: { summary: 'Ingest one telemetry envelope from a device (mTLS).', tags: ['devices'], response: { 202: IngestReply } },
      },
      async (request, reply) => {
        const cert = options.clientCertificate(request);
        if (!cert) {
          options.events.emit({ type: 'ingest.https.refused', severity: 'medium', reason: 'no-certificate', source: request.ip });
          throw new AppError('TELEMETRY_CLIENT_CERT_REQUIRED');
        }
        const auth = await options.authenticator.authenticate(cert);
        if (!auth.ok) {
          options.events.emit({ type: 'ingest.https.refused', severity: 'high', reason: auth.reason, source: request.ip, details: { fingerprint: cert.fingerprint256 } });
          throw new AppError('TELEMETRY_CLIENT_CERT_REQUIRED', { detail: `device refused: ${auth.reason}` });
        }
        const { device } = auth;
        const publicKeyPem = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const outcome = await options.pipeline
          .ingest({ deviceId: device.deviceId, orgId: device.orgId, model: device.model, publicKeyPem }, request.body, 'https', request.ip)
          .catch((cause: unknown) => {
            throw new AppError('TELEMETRY_INGEST_UNAVAILABLE', { detail: 'telemetry commit failed', cause });
          });
        if (outcome.status === 'rejected') throw new AppError('TELEMETRY_REJECTED', { detail: `telemetry rejected: ${outcome.reason}` });
        return reply.code(202).send({ status: outcome.status, seq: outcome.seq });
      },
    );

    app.post(
      '/api/v1/devices/:id/commands',
      {
        config: { permission: 'devices:command' },
        schema: {
          summary: 'Send a command to a device (MQTT, QoS 1), with a nonce and an expiry.',
          tags: ['devices'],
          params: CommandParams,
          body: CommandBody,
          response: { 201: CommandReply },
        },
      },
      async (request, reply) => {
        const sent = await options.commands.send(requestContext(request), request.params.id, request.body);
        return reply.code(201).send(sent);
      },
    );

    app.get(
      '/api/v1/devices/:id/commands',
      {
        config: { permission: 'devices:read' },
        schema: { summary: "A device's recent commands with their status, newest first.", tags: ['devices'], params: CommandParams, querystring: CommandHistoryQuery, response: { 200: Type.Object({ commands: Type.Array(CommandView) }, { additionalProperties: false }) } },
      },
      async (request) => ({ commands: (await options.commands.history(requestContext(request), request.params.id, request.query.limit ?? 20)).map(commandView) }),
    );

    app.get(
      '/api/v1/devices/:id/commands/:commandId',
      {
        config: { permission: 'devices:read' },
        schema: { summary: "One command's status (an unacknowledged command past its expiry reads as expired).", tags: ['devices'], params: CommandStatusParams, response: { 200: CommandView } },
      },
      async (request) => commandView(await options.commands.status(requestContext(request), request.params.id, request.params.commandId)),
    );
  };
}
