/**
 * The firmware attestation VigilDevice sends at every connection (issue 13 item 5: "at connect
 * and after each install"): the running image is measured again each time, signed with the
 * current device key and posted over mutual TLS, so Vigil checks integrity on every connection,
 * not only when the application asks.
 *
 * MUST: one report at a time (a report still on its way is not doubled by a quick reconnect);
 *       a failure is reported to the application, never thrown into the connection.
 */
import type { KeyObject } from 'node:crypto';
import { measureImage, sendAttestation, signAttestation, type AttestationAnswer } from './attestation.js';

/** What the device runs: a version and the image file to measure, or a function that measures it. */
export type RunningFirmware =
  | { readonly version: string; readonly imagePath: string }
  | (() => Promise<{ readonly version: string; readonly imageSha256: string }>);

export interface ConnectAttestationContext {
  readonly deviceId: string;
  readonly baseUrl: string;
  readonly caCertificate: string;
  readonly certPem: string;
  readonly privateKey: KeyObject;
}

export class ConnectAttestation {
  #running: Promise<AttestationAnswer> | undefined;

  constructor(private readonly firmware: RunningFirmware) {}

  /** Measures, signs and posts one report (or joins the one already on its way). */
  send(ctx: ConnectAttestationContext): Promise<AttestationAnswer> {
    this.#running ??= this.#send(ctx).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #send(ctx: ConnectAttestationContext): Promise<AttestationAnswer> {
    const f = this.firmware;
    const { version, imageSha256 } = typeof f === 'function' ? await f() : { version: f.version, imageSha256: await measureImage(f.imagePath) };
    const report = signAttestation({ deviceId: ctx.deviceId, firmwareVersion: version, imageSha256, privateKey: ctx.privateKey });
    const keyPem = ctx.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    return sendAttestation(ctx.baseUrl, { caCertificate: ctx.caCertificate, clientCert: { certPem: ctx.certPem, keyPem } }, report);
  }
}
