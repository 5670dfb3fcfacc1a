/**
 * A tuf-js fetcher over node:https that presents the device certificate (mutual TLS). tuf-js's
 * own fetcher uses the global `fetch`, which cannot send a client certificate.
 *
 * MUST: the server is verified against the CA the device was given (Vigil's root), TLS 1.2+;
 *       `rejectUnauthorized` is never turned off; only https: URLs are fetched.
 * MUST: a non-200 answer is a DownloadHTTPError (tuf-js stops the root walk on 403/404 with it);
 *       every request has an idle timeout and a hard deadline, so a slow or endless server
 *       cannot hold the device (TUF §1.5.2 "slow retrieval", "endless data"); the byte limits
 *       themselves are enforced by tuf-js's BaseFetcher.
 */
import { type Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

export interface FetcherTls {
  readonly caCertificate: string;
  /** The device certificate (PEM, leaf then chain) and its key. */
  readonly clientCert?: { readonly certPem: string; readonly keyPem: string } | undefined;
}

export interface MtlsFetcherOptions {
  readonly tls: FetcherTls;
  /** Socket idle timeout; default 30 s. */
  readonly idleTimeoutMs?: number;
  /** Whole-response deadline; default 10 min (a large image on a slow link). */
  readonly deadlineMs?: number;
  readonly agent?: Agent;
}

export class MtlsFetcher extends BaseFetcher {
  readonly #o: MtlsFetcherOptions;

  constructor(options: MtlsFetcherOptions) {
    super();
    this.#o = options;
  }

  fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const target = new URL(url);
    if (target.protocol !== 'https:') return Promise.reject(new TypeError('update mirrors must be https:'));
    return new Promise((resolve, reject) => {
      const req = request(target, {
        method: 'GET',
        ca: this.#o.tls.caCertificate,
        ...(this.#o.tls.clientCert ? { cert: this.#o.tls.clientCert.certPem, key: this.#o.tls.clientCert.keyPem } : {}),
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
        timeout: this.#o.idleTimeoutMs ?? 30_000,
        ...(this.#o.agent ? { agent: this.#o.agent } : { agent: false }),
      });
      const deadline = setTimeout(() => req.destroy(new Error(`download deadline passed: ${target.pathname}`)), this.#o.deadlineMs ?? 600_000);
      deadline.unref();
      req.on('timeout', () => req.destroy(new Error(`download stalled: ${target.pathname}`)));
      req.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      req.on('close', () => clearTimeout(deadline));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          clearTimeout(deadline);
          reject(new DownloadHTTPError(`GET ${target.pathname} answered ${res.statusCode ?? 0}`, res.statusCode ?? 0));
          return;
        }
        resolve(Readable.toWeb(res) as ReadableStream<Uint8Array<ArrayBuffer>>);
      });
      req.end();
    });
  }
}
