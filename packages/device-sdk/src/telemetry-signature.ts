/**
 * Device signatures over telemetry, for models that require authenticated telemetry
 * (FDA premarket guidance App. 1 C, "authenticity"): ECDSA P-256 with SHA-256, the signature in
 * IEEE P1363 form (r || s, 64 bytes), base64, over `canonicalTelemetry(envelope)` from
 * @vigil/protocol, so that the server verifies the same bytes whatever the key order on the wire.
 *
 * MUST: the device signs with its own enrolled key only; the key never leaves this process.
 */
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalTelemetry, type TelemetryEnvelope } from '@vigil/protocol';

export function signTelemetry(envelope: Omit<TelemetryEnvelope, 'sig'>, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(canonicalTelemetry(envelope), 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
}

/** Verifies `envelope.sig` against a public key (PEM, KeyObject or a certificate's key). */
export function verifyTelemetrySignature(envelope: TelemetryEnvelope, publicKey: KeyObject | string): boolean {
  if (envelope.sig === undefined) return false;
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const { sig, ...unsigned } = envelope;
  return verify('sha256', Buffer.from(canonicalTelemetry(unsigned), 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64'));
}
