/**
 * Session and API tokens: opaque random strings, stored only as SHA-256 hashes.
 *
 * MUST: tokens carry 256 bits from the CSPRNG; the database holds only their hashes, so a copy of
 *       the database opens no session.
 * MUST: the CSRF token of a cookie session is derived from the session token (HMAC-like, with a
 *       fixed label), so it needs no storage, and it is compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { newToken } from '../kernel/index.js';

export const SESSION_TOKEN_PREFIX = 'vst_';
export const SERVICE_TOKEN_PREFIX = 'vsa_';
export const SESSION_COOKIE = 'vigil_session';

export function newSessionToken(): string {
  return `${SESSION_TOKEN_PREFIX}${newToken(32)}`;
}

export function newServiceToken(): string {
  return `${SERVICE_TOKEN_PREFIX}${newToken(32)}`;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`vigil-csrf:${sessionToken}`, 'utf8').digest('base64url');
}

export function csrfMatches(sessionToken: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken), 'utf8');
  const actual = Buffer.from(presented, 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
