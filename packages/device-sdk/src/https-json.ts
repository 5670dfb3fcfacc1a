/**
 * A small JSON-over-HTTPS client for the device (node:https, no global fetch dispatcher state).
 *
 * MUST: the server certificate is verified against the CA the caller passes (Vigil's root), TLS
 *       1.2 or later only (HIPAA §164.312(e)(1) transmission security); `rejectUnauthorized` is
 *       never turned off.
 * MUST: responses are bounded (MAX_RESPONSE_BYTES) and time-bounded.
 */
import { type Agent, request } from 'node:https';

export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpsJsonRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly body?: unknown;
  /** A body already serialized as JSON (sent as is: the bytes a device journaled). */
  readonly rawBody?: string;
  readonly caCertificate: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Client certificate (PEM, leaf then chain) and key, for mTLS routes such as renewal. */
  readonly clientCert?: { readonly certPem: string; readonly keyPem: string };
  /** A keep-alive agent to reuse connections (and to destroy them on close). */
  readonly agent?: Agent;
}

export interface HttpsJsonResponse {
  readonly status: number;
  readonly body: unknown;
}

export function httpsJson(req: HttpsJsonRequest): Promise<HttpsJsonResponse> {
  if (req.url.protocol !== 'https:') return Promise.reject(new TypeError('the Vigil URL must be https:'));
  const payload = req.rawBody !== undefined ? Buffer.from(req.rawBody) : req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  return new Promise((resolve, reject) => {
    const r = request(
      req.url,
      {
        method: req.method,
        ca: req.caCertificate,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
        timeout: req.timeoutMs ?? 15_000,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          ...req.headers,
        },
        ...(req.clientCert !== undefined ? { cert: req.clientCert.certPem, key: req.clientCert.keyPem } : {}),
        ...(req.agent !== undefined ? { agent: req.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            res.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text.length > 0) {
            try {
              body = JSON.parse(text) as unknown;
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end(payload);
  });
}
