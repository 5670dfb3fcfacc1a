/**
 * The list of common and breached passwords shipped with the package: zxcvbn-ts's
 * `passwords-common` dictionary (about 49,000 entries drawn from public breach corpora).
 * NIST SP 800-63B §5.1.1.2 asks verifiers to refuse "passwords obtained from previous breach corpora".
 *
 * MUST: the comparison folds case and Unicode compatibility forms, so "PassWord1" counts as "password1".
 * MUST: the list is loaded once per process, lazily, and never leaves it.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

export class CommonPasswords {
  #set: Set<string> | undefined;

  private get set(): Set<string> {
    this.#set ??= new Set(dictionary['passwords-common'].map((word) => fold(word)));
    return this.#set;
  }

  get size(): number {
    return this.set.size;
  }

  has(password: string): boolean {
    const folded = fold(password);
    if (this.set.has(folded)) return true;
    // "password1!" and "password123" are the same guess with a cheap suffix.
    const stem = folded.replace(/[\d\W_]+$/u, '');
    return stem.length >= 4 && stem !== folded && this.set.has(stem);
  }
}

function fold(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}
