/** Identifiers. Random ids come from the CSPRNG; they are not secrets, only unguessable. */
import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A UUIDv4 for rows and requests. */
export function newId(): string {
  return randomUUID();
}

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. Ids made later
 * sort after, so a unique index over them grows at its right edge (one page touched per batch)
 * instead of at random leaves (one page per id). For records that carry their time anyway
 * (audit events), not for ids whose creation time should stay private.
 */
export function newTimeOrderedId(): string {
  return uuidv7();
}

/** A short, URL-safe random token of `bytes` bytes of entropy. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export function isId(value: string): boolean {
  return UUID_RE.test(value);
}
