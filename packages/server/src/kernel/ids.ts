/** Identifiers. Random ids come from the CSPRNG; they are not secrets, only unguessable. */
import { randomBytes, randomUUID } from 'node:crypto';

/** A UUIDv4 for rows and requests. */
export function newId(): string {
  return randomUUID();
}

/** A short, URL-safe random token of `bytes` bytes of entropy. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export function isId(value: string): boolean {
  return UUID_RE.test(value);
}
