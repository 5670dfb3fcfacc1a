/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2): positive, at most 20 octets, unique per CA.
 *
 * MUST: 128 bits from the CSPRNG (the CA/Browser Forum asks for at least 64 bits of entropy),
 *       with the top bit clear so the DER INTEGER stays positive and the first octet non-zero
 *       so it is not re-encoded shorter.
 */
import { randomBytes } from 'node:crypto';

export function newSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}
