/**
 * Firmware attestation and the fleet integrity scan:
 *   POST /api/v1/devices/attestation   a device's signed firmware report (mTLS; a quarantined device
 *                                      is let in, so that a verified report can release it)
 *   GET  /api/v1/firmware/integrity    every device of the organization with its integrity state
 *
 * MUST: the device is taken only from the TLS-verified certificate; the signature is checked
 *       against that certificate's key (updates/attestation-service.ts).
 * MUST: responses are allowlists (additionalProperties: false).
 */
import Type from 'typebox';
import type { AuthenticateDevice } from '../../devices/index.js';
import type { SecurityEventSink } from '../../kernel/index.js';
import type { AttestationService } from '../../updates/index.js';
import type { ClientCertificateLookup } from './device-telemetry-routes.js';
import type { HttpRoutes } from './http-server.js';
import { PUBLIC, requestContext } from './route-permissions.js';
import { updatingDevice } from './tuf-routes.js';

export interface AttestationRoutesOptions {
  readonly attestation: AttestationService;
  readonly authenticateDevice: AuthenticateDevice;
  readonly clientCertificate: ClientCertificateLookup;
  readonly events: SecurityEventSink;
}

const ScanEntry = Type.Object(
  {
    deviceId: Type.String(),
    model: Type.String(),
    status: Type.String(),
    state: Type.String(),
    firmwareVersion: Type.Union([Type.String(), Type.Null()]),
    measuredAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export function attestationRoutes(options: AttestationRoutesOptions): HttpRoutes {
  return async (app) => {
    app.post(
      '/api/v1/devices/attestation',
      {
        config: { permission: PUBLIC },
        schema: {
          summary: 'A device reports its firmware version and image SHA-256, signed with its key (mTLS).',
          tags: ['updates'],
          response: { 200: Type.Object({ state: Type.String(), quarantined: Type.Boolean(), released: Type.Boolean() }, { additionalProperties: false }) },
        },
      },
      async (request) => {
        const { device, publicKeyPem } = await updatingDevice(request, options);
        const ctx = { principal: { kind: 'device' as const, id: device.deviceId, orgId: device.orgId }, requestId: request.id, source: request.ip };
        return options.attestation.report(ctx, { ...device, publicKeyPem }, request.body);
      },
    );

    app.get(
      '/api/v1/firmware/integrity',
      {
        config: { permission: 'firmware:read' },
        schema: {
          summary: 'Fleet integrity scan: every device of the organization with its attestation state.',
          tags: ['firmware'],
          querystring: Type.Object({ orgId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ devices: Type.Array(ScanEntry) }, { additionalProperties: false }) },
        },
      },
      async (request) => ({ devices: await options.attestation.scan(requestContext(request), request.query.orgId) }),
    );
  };
}
