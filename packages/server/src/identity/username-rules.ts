/**
 * Usernames that cannot be mistaken for one another (issue 11).
 *
 * A username is compared by its key (NFKC, lower case: "Ａlice" is "alice") AND by its UTS #39
 * skeleton (Unicode Technical Standard #39 §4, confusable detection): the key with every
 * character mapped to its prototype by the Unicode confusables data, which the `unhomoglyph`
 * package ships ("admın" with a dotless ı, "аdmin" with a Cyrillic а and "admin" share the
 * skeleton "adrnin").
 *
 * MUST: a new username whose skeleton equals an existing one's is refused.
 * MUST: a new username with a combining mark as typed ("admi\u0301n") is refused: an accent
 *       that rides on another letter is how look-alikes are built; a precomposed letter ("josé")
 *       is a letter.
 * MUST: a new username that mixes scripts (Latin with Cyrillic or Greek, …) is refused; Han may
 *       go with Hiragana, Katakana or Hangul (UTS #39 §5.2 "highly restrictive").
 * Existing usernames keep working: these rules apply when a username is chosen.
 */
import unhomoglyph from 'unhomoglyph';
import { usernameKey } from './password-policy.js';

const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Devanagari', 'Bengali', 'Thai', 'Han', 'Hiragana', 'Katakana', 'Hangul'] as const;
const SCRIPT_RES = SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, 'u')] as const);
const CJK = new Set<string>(['Han', 'Hiragana', 'Katakana', 'Hangul']);

/**
 * UTS #39 skeleton of the username's key: NFD, confusables mapped to prototypes, NFD; lower-cased
 * again after the mapping, since some prototypes are capitals ("0" -> "O") and keys are caseless.
 */
export function usernameSkeleton(username: string): string {
  return unhomoglyph(usernameKey(username).normalize('NFD')).toLowerCase().normalize('NFD');
}

export type UsernameProblem = 'combining-mark' | 'mixed-script';

/** Why a username may not be chosen, or null. */
export function usernameProblem(username: string): UsernameProblem | null {
  if (/\p{M}/u.test(username)) return 'combining-mark';
  const scripts = new Set<string>();
  for (const char of username.normalize('NFKC')) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(SCRIPT_RES.find(([, re]) => re.test(char))?.[0] ?? 'Other');
  }
  if (scripts.size <= 1) return null;
  const cjkOnly = [...scripts].every((s) => CJK.has(s));
  const mixesKoreanAndJapanese = scripts.has('Hangul') && (scripts.has('Hiragana') || scripts.has('Katakana'));
  return cjkOnly && !mixesKoreanAndJapanese ? null : 'mixed-script';
}
