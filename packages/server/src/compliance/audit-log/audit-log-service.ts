/**
 * AuditLogService: the audit log as its reviewers read it (HIPAA §164.308(a)(1)(ii)(D),
 * information system activity review; §164.312(b), audit controls): search, export, and the
 * chain's verification state.
 *
 * MUST: every read needs `audit:read` (decide()); an organization's officer or auditor sees only
 *       events of their organization. Platform-wide events (no organization: the host's CLI, key
 *       rotations, jobs) and other organizations' events are shown to platform-admins only; in an
 *       organization's export they are redacted lines (place in the chain, no content).
 * MUST: a search and an export are themselves audited ('audit.events.read', 'audit.log.export'),
 *       in the same transaction as the search, failing closed (AUDIT_WRITE_FAILED).
 * MUST: filters are validated (coded action, bounded strings, ISO times, a numeric cursor).
 */
import type { AuditOutcome, AuditRecord } from '@vigil/protocol';
import { isAuditAction } from '@vigil/protocol';
import { decide } from '../../access/index.js';
import type { AuditQuery, AuditReader, AuditSearchStore, AuditWriter, VerifyResult } from '../../audit/index.js';
import { exportJsonl } from '../../audit/index.js';
import { AppError, principalOrg, type Clock, type Principal, type RequestContext, type UnitOfWork } from '../../kernel/index.js';

export interface AuditLogScope {
  readonly events: AuditSearchStore;
  readonly audit: AuditWriter;
}

export interface AuditLogServiceDeps {
  readonly uow: UnitOfWork<AuditLogScope>;
  readonly reader: () => AuditReader;
  /** Verifies the whole log (chain, checkpoints, coverage, witness). */
  readonly verify: () => Promise<VerifyResult>;
  readonly clock: Clock;
  /** How long a verification result is served before the log is verified again. */
  readonly verificationTtlSeconds?: number;
}

export interface AuditSearchInput {
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  readonly outcome?: AuditOutcome | undefined;
  readonly requestId?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

export interface AuditSearchPage {
  readonly events: readonly AuditRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface VerificationState extends VerifyResult {
  readonly verifiedAt: string;
}

export const MAX_PAGE = 500;
const DEFAULT_PAGE = 100;
const MAX_FILTER_LENGTH = 200;

export class AuditLogService {
  #cached: { readonly at: number; readonly state: Promise<VerificationState> } | undefined;

  constructor(private readonly deps: AuditLogServiceDeps) {}

  async search(ctx: RequestContext, input: AuditSearchInput): Promise<AuditSearchPage> {
    const scope = this.#scope(ctx.principal);
    const query = toQuery(input, scope);
    return this.deps.uow.run(async (s) => {
      const rows = await s.events.search({ ...query, limit: query.limit + 1 });
      const events = rows.slice(0, query.limit);
      const last = events[events.length - 1];
      await s.audit.record(ctx, {
        action: 'audit.events.read',
        target: { type: 'audit_log', id: scope ?? 'platform' },
        outcome: 'success',
        ...(scope !== undefined ? { orgId: scope } : {}),
        details: { count: events.length, filters: usedFilters(input) },
      });
      return { events, nextCursor: rows.length > query.limit && last ? String(last.seq) : null };
    });
  }

  /** JSON lines that `vigil audit verify --file` accepts; the export is audited before it starts. */
  async export(ctx: RequestContext): Promise<AsyncGenerator<string>> {
    const scope = this.#scope(ctx.principal);
    await this.deps.uow.run((s) =>
      s.audit.record(ctx, {
        action: 'audit.log.export',
        target: { type: 'audit_log', id: scope ?? 'platform' },
        outcome: 'success',
        ...(scope !== undefined ? { orgId: scope } : {}),
        details: { format: 'jsonl', redacted: scope !== undefined },
      }),
    );
    return exportJsonl(this.deps.reader(), scope);
  }

  /** The whole chain's verification state (the chain is one, whoever asks), verified at most once per TTL. */
  async verification(ctx: RequestContext): Promise<VerificationState> {
    this.#scope(ctx.principal);
    const now = this.deps.clock.now().getTime();
    const ttl = (this.deps.verificationTtlSeconds ?? 30) * 1000;
    if (!this.#cached || now - this.#cached.at >= ttl) {
      const at = this.deps.clock.now().toISOString();
      const state = this.deps.verify().then((result) => ({ ...result, verifiedAt: at }));
      this.#cached = { at: now, state };
      state.catch(() => {
        if (this.#cached?.state === state) this.#cached = undefined;
      });
    }
    return this.#cached.state;
  }

  /** undefined: every organization (platform-admin, system, cli); else the caller's organization. */
  #scope(principal: Principal): string | undefined {
    const org = principalOrg(principal);
    const decision = decide(principal, 'audit:read', org === null ? undefined : { orgId: org });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    const platform = principal.kind === 'system' || principal.kind === 'cli' || (principal.kind === 'user' && principal.roles.includes('platform-admin'));
    if (platform) return undefined;
    if (org === null) throw new AppError('FORBIDDEN', { detail: 'audit: the principal belongs to no organization' });
    return org;
  }
}

function bounded(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > MAX_FILTER_LENGTH || hasControlCharacter(value)) {
    throw new AppError('VALIDATION_FAILED', { detail: `audit: ${name} must be 1 to ${MAX_FILTER_LENGTH} printable characters` });
  }
  return value;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return true;
  return false;
}

function isoTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AppError('VALIDATION_FAILED', { detail: `audit: ${name} is not an ISO-8601 time` });
  return new Date(t).toISOString();
}

export function toQuery(input: AuditSearchInput, orgId: string | undefined): AuditQuery & { readonly limit: number } {
  const action = bounded('action', input.action);
  if (action !== undefined && !isAuditAction(action)) throw new AppError('VALIDATION_FAILED', { detail: 'audit: action must be a coded action such as patients.record.read' });
  let beforeSeq: number | undefined;
  if (input.cursor !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(input.cursor)) throw new AppError('VALIDATION_FAILED', { detail: 'audit: cursor is not one this API returned' });
    beforeSeq = Number(input.cursor);
  }
  const limit = input.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new AppError('VALIDATION_FAILED', { detail: `audit: limit must be 1 to ${MAX_PAGE}` });
  const from = isoTime('from', input.from);
  const to = isoTime('to', input.to);
  if (from !== undefined && to !== undefined && from >= to) throw new AppError('VALIDATION_FAILED', { detail: 'audit: from must be before to' });
  return {
    orgId,
    actorId: bounded('actor', input.actor),
    action,
    targetType: bounded('targetType', input.targetType),
    targetId: bounded('targetId', input.targetId),
    outcome: input.outcome,
    requestId: bounded('requestId', input.requestId),
    from,
    to,
    beforeSeq,
    limit,
  };
}

function usedFilters(input: AuditSearchInput): string {
  const names = ['actor', 'action', 'targetType', 'targetId', 'outcome', 'requestId', 'from', 'to', 'cursor'] as const;
  return names.filter((n) => input[n] !== undefined).join(',') || 'none';
}
