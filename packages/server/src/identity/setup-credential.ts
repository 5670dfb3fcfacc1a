/**
 * The one-time setup credential for the first admin (there are no default passwords, ever).
 *
 * MUST: the credential is random (192 bits), printed once, stored only as a SHA-256 hash,
 *       expires, and is single-use. Issuing a new one retires the old ones.
 * MUST: issuing and consuming are audited in the same transaction.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditWriter } from '../audit/index.js';
import { AppError, newId, newToken, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { SetupCredentialStore, SystemMetaStore } from './store.js';

export interface SetupScope {
  readonly credentials: SetupCredentialStore;
  readonly meta: SystemMetaStore;
  readonly audit: AuditWriter;
}

export interface IssuedSetupCredential {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: string;
}

export const SETUP_COMPLETED_KEY = 'setup.completed_at';
const TOKEN_PREFIX = 'vsc_';

export class SetupCredentialService {
  constructor(
    private readonly uow: UnitOfWork<SetupScope>,
    private readonly clock: Clock,
    private readonly ttlMinutes: number,
  ) {}

  /** Issues a fresh credential, retiring earlier ones. */
  issue(ctx: RequestContext): Promise<IssuedSetupCredential> {
    return this.uow.run((s) => this.#issueIn(s, ctx));
  }

  /**
   * `vigil init --reissue-setup-credential`: the host operator's way back when the credential
   * printed at first start was lost (e.g. a start that failed after printing it). Retires every
   * earlier credential. MUST: refused once the first admin exists (setup completed).
   */
  reissue(ctx: RequestContext): Promise<IssuedSetupCredential> {
    return this.uow.run(async (s) => {
      if ((await s.meta.get(SETUP_COMPLETED_KEY)) !== undefined) throw new AppError('IDENTITY_SETUP_COMPLETED');
      return this.#issueIn(s, ctx);
    });
  }

  async #issueIn(s: SetupScope, ctx: RequestContext): Promise<IssuedSetupCredential> {
    const now = this.clock.now();
    await s.credentials.retireAll(now.toISOString());
    const token = `${TOKEN_PREFIX}${newToken(24)}`;
    const id = newId();
    const expiresAt = new Date(now.getTime() + this.ttlMinutes * 60_000).toISOString();
    await s.credentials.insert({ id, tokenHash: hashToken(token), createdAt: now.toISOString(), expiresAt, consumedAt: null });
    await s.audit.record(ctx, {
      action: 'identity.setup_credential.issue',
      target: { type: 'setup_credential', id },
      outcome: 'success',
      details: { expiresAt },
    });
    return { id, token, expiresAt };
  }

  /**
   * At start: while setup is not complete and no usable credential exists, issue one.
   * Returns the new credential to print, or the expiry of the one still usable.
   */
  async ensure(ctx: RequestContext): Promise<{ issued?: IssuedSetupCredential; pendingUntil?: string; completed: boolean }> {
    const state = await this.uow.run(async (s) => {
      if ((await s.meta.get(SETUP_COMPLETED_KEY)) !== undefined) return { completed: true };
      const usable = await s.credentials.findUsable(this.clock.now().toISOString());
      const pendingUntil = usable.map((u) => u.expiresAt).sort().at(-1);
      return pendingUntil === undefined ? undefined : { completed: false, pendingUntil };
    });
    return state ?? { completed: false, issued: await this.issue(ctx) };
  }


  /**
   * Checks and consumes a credential (used by the first-admin flow). Constant-time compare;
   * the same error for unknown, expired and used credentials.
   */
  consume(ctx: RequestContext, token: string, scope?: SetupScope): Promise<string> {
    const run = async (s: SetupScope): Promise<string> => {
      const invalid = new AppError('IDENTITY_SETUP_CREDENTIAL_INVALID');
      const hash = hashToken(token);
      const row = await s.credentials.findByHash(hash);
      const now = this.clock.now().toISOString();
      const matches = row !== undefined && timingSafeEqual(Buffer.from(row.tokenHash, 'hex'), Buffer.from(hash, 'hex'));
      if (!row || !matches || row.consumedAt !== null || row.expiresAt <= now) throw invalid;
      if (!(await s.credentials.markConsumed(row.id, now))) throw invalid;
      await s.audit.record(ctx, { action: 'identity.setup_credential.consume', target: { type: 'setup_credential', id: row.id }, outcome: 'success' });
      return row.id;
    };
    return scope ? run(scope) : this.uow.run(run);
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
