/**
 * Password hashing with argon2id (RFC 9106) at the OWASP Password Storage Cheat Sheet's
 * parameters: m = 19 MiB, t = 2, p = 1. @node-rs/argon2 runs the hash on libuv's thread pool,
 * so the event loop stays free while a login is checked.
 *
 * MUST: only argon2id PHC strings are stored; the salt is random per hash (16 bytes).
 * MUST: a login for an unknown user verifies against a dummy hash with the same parameters, so
 *       the answer takes the same time as a wrong password (no username enumeration by timing).
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Algorithm.Argon2id: the enum is `const` in the typings, so the value is spelled here. */
const ARGON2ID = 2 as Algorithm;

export class PasswordHasher {
  #dummy: Promise<string> | undefined;

  constructor(readonly parameters: Argon2Parameters = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return hash(password.normalize('NFC'), { ...this.parameters, algorithm: ARGON2ID });
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password.normalize('NFC'));
    } catch {
      return false;
    }
  }

  /** Spends the time of one verification and answers false: for unknown users and locked accounts. */
  async verifyDummy(password: string): Promise<false> {
    this.#dummy ??= this.hash('vigil-dummy-password-for-equal-timing');
    await this.verify(await this.#dummy, password);
    return false;
  }
}
