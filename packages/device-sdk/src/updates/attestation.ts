/**
 * Firmware attestation from the device: measure the running image (SHA-256), sign the report
 * with the device's enrolled key (ECDSA P-256, P1363, over canonicalAttestation from
 * @vigil/protocol) and post it to Vigil over mutual TLS. Call it at connect and after every
 * install (UpdateClient's `attest` option does the latter).
 *
 * MUST: the key never leaves this process; a fresh random nonce and the current time go into
 *       every report, so an old report cannot be replayed as a new one.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ATTESTATION_VERSION, canonicalAttestation, type FirmwareAttestation } from '@vigil/protocol';
import { httpsJson } from '../https-json.js';
import type { FetcherTls } from './mtls-fetcher.js';

export const ATTESTATION_PATH = '/api/v1/devices/attestation';

/** SHA-256 (hex) of an image file. */
export async function measureImage(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function signAttestation(input: { deviceId: string; firmwareVersion: string; imageSha256: string; privateKey: KeyObject; at?: Date }): FirmwareAttestation {
  const unsigned = {
    v: ATTESTATION_VERSION,
    deviceId: input.deviceId,
    firmwareVersion: input.firmwareVersion,
    imageSha256: input.imageSha256,
    at: (input.at ?? new Date()).toISOString(),
    nonce: randomBytes(18).toString('base64url'),
  } as const;
  const sig = sign('sha256', Buffer.from(canonicalAttestation(unsigned), 'utf8'), { key: input.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
  return { ...unsigned, sig };
}

export interface AttestationAnswer {
  readonly status: number;
  readonly state?: string;
  readonly quarantined?: boolean;
  readonly released?: boolean;
}

/** Posts a signed report; resolves with Vigil's verdict (state) or the refusal status. */
export async function sendAttestation(baseUrl: string, tls: FetcherTls, report: FirmwareAttestation): Promise<AttestationAnswer> {
  if (tls.clientCert === undefined) throw new TypeError('attestation needs the device certificate');
  const answer = await httpsJson({ url: new URL(ATTESTATION_PATH, baseUrl), method: 'POST', body: report, caCertificate: tls.caCertificate, clientCert: tls.clientCert });
  const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as Record<string, unknown>;
  return {
    status: answer.status,
    ...(typeof body['state'] === 'string' ? { state: body['state'] } : {}),
    ...(typeof body['quarantined'] === 'boolean' ? { quarantined: body['quarantined'] } : {}),
    ...(typeof body['released'] === 'boolean' ? { released: body['released'] } : {}),
  };
}
