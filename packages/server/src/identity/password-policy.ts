/**
 * Password and username rules (pure; no I/O). Two presets:
 * - `regular-change` (default): passwords expire after 90 days and are forced to change at the next
 *   login; the last 12 may not be reused; at least 12 characters.
 * - `nist` (NIST SP 800-63B §5.1.1.2): no periodic expiry and no composition rules; at least 15
 *   characters, or 8 when the user has a second factor enrolled.
 *
 * MUST: length is counted in Unicode code points, after NFC normalization (800-63B §5.1.1.2).
 * MUST: every password is screened against the shipped list of common and breached passwords,
 *       and against the username and the organization name, whatever the preset.
 * MUST: usernames are compared after NFKC normalization and lower-casing (one person, one name).
 */
import type { ErrorCode } from '../kernel/index.js';

export type PasswordPreset = 'regular-change' | 'nist';

export interface PasswordPolicy {
  readonly preset: PasswordPreset;
  /** Minimum length in code points without, and with, an enrolled second factor. */
  readonly minLength: number;
  readonly minLengthWithMfa: number;
  readonly maxLength: number;
  /** Days until a password must change; null: never (nist). */
  readonly maxAgeDays: number | null;
  /** How many previous passwords may not be reused; 0: no history check. */
  readonly historyCount: number;
}

export const MAX_PASSWORD_LENGTH = 256;

export function passwordPolicy(preset: PasswordPreset): PasswordPolicy {
  switch (preset) {
    case 'regular-change':
      return { preset, minLength: 12, minLengthWithMfa: 12, maxLength: MAX_PASSWORD_LENGTH, maxAgeDays: 90, historyCount: 12 };
    case 'nist':
      return { preset, minLength: 15, minLengthWithMfa: 8, maxLength: MAX_PASSWORD_LENGTH, maxAgeDays: null, historyCount: 0 };
  }
}

/** Length as a person counts it: code points, not UTF-16 units ("🔒" is 1, not 2). */
export function codePointLength(value: string): number {
  return [...value.normalize('NFC')].length;
}

/** The unique key of a username: NFKC, then lower case ("Ａlice" and "alice" are one name). */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

/** Letters, digits and . _ - @ after NFKC; 3..64 code points; starts with a letter or digit. */
const USERNAME_RE = /^[\p{L}\p{N}][\p{L}\p{N}._@-]{2,63}$/u;

export function isValidUsername(username: string): boolean {
  return USERNAME_RE.test(username.normalize('NFKC'));
}

export interface PasswordContext {
  readonly username: string;
  readonly organizationName: string;
  readonly mfaEnrolled: boolean;
  /** True when the password is on the common/breached list (see common-passwords.ts). */
  readonly isCommon: (password: string) => boolean;
}

/** The first rule the password breaks, or null. History is checked by the service (it needs hashes). */
export function checkPassword(policy: PasswordPolicy, password: string, context: PasswordContext): ErrorCode | null {
  const length = codePointLength(password);
  const min = context.mfaEnrolled ? policy.minLengthWithMfa : policy.minLength;
  if (length < min) return 'IDENTITY_PASSWORD_TOO_SHORT';
  if (length > policy.maxLength) return 'IDENTITY_PASSWORD_TOO_LONG';
  if (context.isCommon(password)) return 'IDENTITY_PASSWORD_COMMON';
  const folded = usernameKey(password);
  for (const word of [usernameKey(context.username), usernameKey(context.organizationName)]) {
    if (word.length >= 3 && folded.includes(word)) return 'IDENTITY_PASSWORD_CONTEXT';
  }
  return null;
}

/** When a password set at `changedAt` expires, or null when the preset has no expiry. */
export function passwordExpiresAt(policy: PasswordPolicy, changedAt: string): string | null {
  if (policy.maxAgeDays === null) return null;
  return new Date(Date.parse(changedAt) + policy.maxAgeDays * 86_400_000).toISOString();
}
