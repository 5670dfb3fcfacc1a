/**
 * deviceCertificate(request): the client certificate of an HTTPS request, when the TLS stack
 * verified its chain against the listener's `clientCa` (createHttpServer option).
 *
 * Use it in any route a device calls with its certificate (renewal, HTTPS telemetry ingest):
 *
 *   const peer = deviceCertificate(request);            // X509Certificate | undefined
 *   const auth = await authenticateDevice(peer, {...}); // devices/: CA, validity, status, revocation
 *
 * MUST: only a certificate whose chain OpenSSL verified (socket.authorized) is returned; an
 *       unverified one is undefined, exactly as no certificate at all.
 * MUST: callers still pass it to devices' authenticateDevice: the TLS stack trusts the root too,
 *       and knows nothing of revocation, quarantine or the Clock.
 */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

export function deviceCertificate(request: FastifyRequest): X509Certificate | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerX509Certificate !== 'function') return undefined;
  return socket.getPeerX509Certificate() ?? undefined;
}

/**
 * Why the TLS stack did not verify the client's certificate: undefined when it did or when none
 * was sent; otherwise OpenSSL's code (e.g. CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY).
 * For security events only: an unverified certificate never authenticates anything.
 */
export function clientCertificateError(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.authorized === true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  if (!presented) return undefined;
  const error = socket.authorizationError;
  return typeof error === 'string' ? error : error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : 'UNVERIFIED';
}
