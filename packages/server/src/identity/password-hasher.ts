/**
 * Password hashing with argon2id (RFC 9106) at the OWASP Password Storage Cheat Sheet's
 * parameters: m = 19 MiB, t = 2, p = 1. @node-rs/argon2 runs the hash on libuv's thread pool,
 * so the event loop stays free while a login is checked.
 *
 * MUST: only argon2id PHC strings are stored; the salt is random per hash (16 bytes).
 * MUST: a login for an unknown user verifies against a dummy hash with the same parameters, so
 *       the answer takes the same time as a wrong password (no username enumeration by timing).
 * MUST: at most `maxConcurrent` hashes run at once (default: one core fewer than the machine has),
 *       so a login storm cannot take every core from the event loop; a storm beyond `maxQueued`
 *       waiting hashes is refused (RATE_LIMITED) instead of growing memory without bound.
 */
import { availableParallelism } from 'node:os';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { AppError } from '../kernel/index.js';

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Algorithm.Argon2id: the enum is `const` in the typings, so the value is spelled here. */
const ARGON2ID = 2 as Algorithm;

export interface HasherLimits {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
}

export function defaultHasherLimits(): HasherLimits {
  return { maxConcurrent: Math.max(1, availableParallelism() - 1), maxQueued: 256 };
}

export class PasswordHasher {
  #dummy: Promise<string> | undefined;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly parameters: Argon2Parameters = OWASP_ARGON2ID,
    readonly limits: HasherLimits = defaultHasherLimits(),
  ) {}

  hash(password: string): Promise<string> {
    return this.limited(() => hash(password.normalize('NFC'), { ...this.parameters, algorithm: ARGON2ID }));
  }

  async verify(stored: string, password: string): Promise<boolean> {
    return this.limited(async () => {
      try {
        return await verify(stored, password.normalize('NFC'));
      } catch {
        return false;
      }
    });
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limits.maxConcurrent) {
      if (this.#waiting.length >= this.limits.maxQueued) throw new AppError('RATE_LIMITED', { detail: 'password hashing queue is full' });
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }

  /** Spends the time of one verification and answers false: for unknown users and locked accounts. */
  async verifyDummy(password: string): Promise<false> {
    this.#dummy ??= this.hash('vigil-dummy-password-for-equal-timing');
    await this.verify(await this.#dummy, password);
    return false;
  }
}
