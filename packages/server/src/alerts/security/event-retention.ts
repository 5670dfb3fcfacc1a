/**
 * The security-event store is capped by age and by size (issue 11 item 5: one device could grow it
 * by 1.1 GB an hour). A scheduled run deletes events older than `retentionDays`, then, if more than
 * `maxRows` remain, the oldest ones (info-level first) down to `maxRows`, and raises a platform
 * alert: the cap was reached, events were dropped, someone should look at what is flooding.
 *
 * MUST: every run that removes something is audited in the same transaction
 *       ('security.events.retention.apply', with the counts), like telemetry retention.
 * MUST: trimming for size removes info-level events before any other severity, oldest first.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { Clock, RequestContext, UnitOfWork } from '../../kernel/index.js';
import type { AlertCandidate } from './model.js';

export interface SecurityEventRetentionStore {
  /** Deletes events older than `cutoff` (ISO time); returns how many. */
  expireBefore(cutoff: string): Promise<number>;
  count(): Promise<number>;
  /** Deletes the `n` oldest events, info-level first; returns how many. */
  trimOldest(n: number): Promise<number>;
}

export interface SecurityEventRetentionScope {
  readonly events: SecurityEventRetentionStore;
  readonly audit: AuditWriter;
}

export interface SecurityEventLimits {
  readonly retentionDays: number;
  readonly maxRows: number;
}

export interface SecurityEventRetentionResult {
  readonly expired: number;
  readonly trimmed: number;
  readonly remaining: number;
}

export async function applySecurityEventRetention(
  uow: UnitOfWork<SecurityEventRetentionScope>,
  clock: Clock,
  limits: SecurityEventLimits,
  ctx: RequestContext,
): Promise<SecurityEventRetentionResult> {
  const cutoff = new Date(clock.now().getTime() - limits.retentionDays * 86_400_000).toISOString();
  return uow.run(async (s) => {
    const expired = await s.events.expireBefore(cutoff);
    const count = await s.events.count();
    const trimmed = count > limits.maxRows ? await s.events.trimOldest(count - limits.maxRows) : 0;
    if (expired > 0 || trimmed > 0) {
      await s.audit.record(ctx, {
        action: 'security.events.retention.apply',
        target: { type: 'security-events', id: 'store' },
        outcome: 'success',
        details: { cutoff, expired, trimmed, maxRows: limits.maxRows },
      });
    }
    return { expired, trimmed, remaining: count - trimmed };
  });
}

/** The platform alert raised when the size cap removed events. */
export function storeCapCandidate(result: SecurityEventRetentionResult, limits: SecurityEventLimits, at: Date): AlertCandidate | null {
  if (result.trimmed === 0) return null;
  return {
    detector: 'security-event-store-cap',
    severity: 'high',
    title: 'Security event store reached its size cap',
    summary: `${result.trimmed} oldest security event(s) removed to keep ${limits.maxRows} rows; look for a device or source flooding the store`,
    orgId: null,
    subject: { kind: 'source', id: 'security-event-store' },
    count: result.trimmed,
    at: at.toISOString(),
    windowSeconds: 86_400,
    eventIds: [],
    auditSeqs: [],
  };
}
