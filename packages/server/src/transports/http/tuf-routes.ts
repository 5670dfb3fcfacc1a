/**
 * The TUF repository over HTTPS (TUF specification 1.0, §5 client workflow):
 *   GET /tuf/metadata/timestamp.json            the current timestamp
 *   GET /tuf/metadata/<version>.<role>.json     consistent snapshots of root, snapshot, targets, model-<m>
 *   GET /tuf/targets/<model>/<version>/<sha256>.<file>   the image, with HTTP range requests (RFC 9110 §14)
 *
 * MUST: every request carries a device client certificate verified by the TLS layer and accepted
 *       by the devices' authenticator (the route table says PUBLIC because the certificate, not
 *       a session, authenticates); a device reads only its own model's role and targets.
 * MUST: only names matching the strict patterns of the repository reach storage; anything else
 *       is 404 (no path is ever built from a client string).
 * MUST: a range is one `bytes=` range inside the file, else 416 with `Content-Range: bytes *\/<len>`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AuthenticateDevice, AuthenticatedDevice } from '../../devices/index.js';
import { AppError, type SecurityEventSink } from '../../kernel/index.js';
import type { ArtifactStore, TufRepository } from '../../updates/index.js';
import type { ClientCertificateLookup } from './device-telemetry-routes.js';
import type { HttpRoutes } from './http-server.js';
import { PUBLIC } from './route-permissions.js';

export interface TufRoutesOptions {
  readonly tuf: TufRepository;
  readonly artifacts: ArtifactStore;
  readonly authenticateDevice: AuthenticateDevice;
  readonly clientCertificate: ClientCertificateLookup;
  readonly events: SecurityEventSink;
}

/**
 * The device behind a request's verified certificate. A quarantined device is let in: it must be
 * able to fetch the known-good release and attest it to leave quarantine.
 */
export async function updatingDevice(
  request: FastifyRequest,
  options: Pick<TufRoutesOptions, 'authenticateDevice' | 'clientCertificate' | 'events'>,
): Promise<{ device: AuthenticatedDevice; publicKeyPem: string }> {
  const cert = options.clientCertificate(request);
  if (!cert) {
    options.events.emit({ type: 'updates.device.refused', severity: 'medium', reason: 'no-certificate', source: request.ip });
    throw new AppError('TELEMETRY_CLIENT_CERT_REQUIRED');
  }
  const auth = await options.authenticateDevice(cert, { source: request.ip, transport: 'https', allowQuarantined: true });
  if (!auth.ok) throw new AppError('TELEMETRY_CLIENT_CERT_REQUIRED', { detail: `device refused: ${auth.reason}` });
  return { device: auth.device, publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function tufRoutes(options: TufRoutesOptions): HttpRoutes {
  const deviceModel = async (request: FastifyRequest): Promise<string> => (await updatingDevice(request, options)).device.model;

  return async (app) => {
    app.get(
      '/tuf/metadata/:name',
      {
        config: { permission: PUBLIC },
        schema: { summary: 'TUF metadata (device mTLS): timestamp.json or <version>.<role>.json.', tags: ['updates'], params: Type.Object({ name: Type.String({ maxLength: 128 }) }, { additionalProperties: false }) },
      },
      async (request, reply) => {
        const model = await deviceModel(request);
        const body = await options.tuf.metadata(request.params.name, model);
        if (body === undefined) throw new AppError('NOT_FOUND');
        reply.header('cache-control', 'no-store');
        return reply.type('application/json').send(body);
      },
    );

    app.get(
      '/tuf/targets/*',
      {
        config: { permission: PUBLIC },
        schema: { summary: 'A firmware image by its consistent target path (device mTLS; HTTP range requests).', tags: ['updates'] },
      },
      async (request, reply) => {
        const model = await deviceModel(request);
        const path = (request.params as { '*'?: string })['*'] ?? '';
        const target = await options.tuf.target(path, model);
        const size = target === undefined ? undefined : await options.artifacts.size(target.sha256);
        if (target === undefined || size === undefined || size !== target.length) throw new AppError('NOT_FOUND');
        return sendRange(request, reply, options.artifacts, target.sha256, size);
      },
    );
  };
}

function sendRange(request: FastifyRequest, reply: FastifyReply, artifacts: ArtifactStore, sha256: string, size: number): FastifyReply {
  reply.header('accept-ranges', 'bytes');
  reply.header('cache-control', 'private, max-age=0');
  reply.type('application/octet-stream');
  const header = request.headers.range;
  if (header === undefined) {
    reply.header('content-length', size);
    return reply.send(artifacts.read(sha256));
  }
  const range = parseRange(header, size);
  if (range === undefined) {
    reply.header('content-range', `bytes */${size}`);
    return reply.code(416).send();
  }
  reply.header('content-range', `bytes ${range.start}-${range.end}/${size}`);
  reply.header('content-length', range.end - range.start + 1);
  return reply.code(206).send(artifacts.read(sha256, range));
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within [0, size); undefined otherwise. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (m === null || size === 0) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return undefined;
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return undefined;
  return { start, end };
}
