/**
 * TOTP second factor (RFC 6238, HMAC-SHA1, 6 digits, 30 s steps: what authenticator apps accept),
 * with a QR code of the otpauth:// URI for enrolment, and one-time recovery codes.
 *
 * MUST: a code is accepted once: the time step it matched is remembered and an equal or earlier
 *       step is refused (RFC 6238 §5.2, "the verifier MUST NOT accept the second attempt").
 * MUST: the secret is stored sealed (envelope encryption), never in clear.
 * MUST: recovery codes carry 50 bits of entropy each, are shown once and stored as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const PERIOD_SECONDS = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = 'vigil', issuer = 'Vigil'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

export function otpauthUrl(secretBase32: string, label: string, issuer: string): string {
  return totp(secretBase32, label, issuer).toString();
}

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The code for a time (tests and the simulator). */
export function totpCode(secretBase32: string, at: Date): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() });
}

/**
 * The time step a code matches (one step of drift either way), or null. A step at or below
 * `lastStep` is refused: a code is single-use.
 */
export function matchTotp(secretBase32: string, code: string, at: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return null;
  const step = Math.floor(at.getTime() / 1000 / PERIOD_SECONDS) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const RECOVERY_CODE_COUNT = 10;

/** `xxxxx-xxxxx`: 10 characters of a 31-letter alphabet (about 50 bits). */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let out = '';
  for (const byte of bytes) out += RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.length];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

export function hashRecoveryCode(code: string): string {
  const normalized = code.trim().toLowerCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(`vigil-recovery:${normalized}`, 'utf8').digest('hex');
}
