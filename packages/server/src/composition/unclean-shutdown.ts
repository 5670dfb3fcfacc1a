/**
 * At start: tell an unclean shutdown from a clean one (issue 11). A server that stops cleanly
 * releases its pid lock and signs a final checkpoint; one that crashed (kill -9, power loss)
 * leaves its lock behind, and the audit events written after its last signed checkpoint are an
 * unsigned tail until the next checkpoint covers them.
 *
 * MUST: an unclean shutdown is logged (warn) with the previous pid and the unsigned audit tail
 *       (first and last seq, count, time of the oldest), and recorded in the audit log itself.
 * MUST: a clean start logs nothing of the kind.
 */
import type { AuditReader, AuditStore } from '../audit/index.js';
import type { DataDirLock } from '../config/index.js';
import type { AuditLog } from '../audit/index.js';
import { SYSTEM_PRINCIPAL } from '../kernel/index.js';

export interface UncleanShutdown {
  readonly previousPid: number | null;
  /** Events after the last signed checkpoint: [fromSeq, toSeq], or null when none. */
  readonly unsignedFromSeq: number | null;
  readonly unsignedToSeq: number | null;
  readonly unsignedEvents: number;
  readonly oldestUnsignedAt: string | null;
}

export interface UncleanShutdownDeps {
  readonly lock: Pick<DataDirLock, 'staleHolder'>;
  readonly reader: AuditReader;
  readonly auditLog: AuditLog;
  readonly withAuditStore: <T>(fn: (store: AuditStore) => Promise<T>) => Promise<T>;
  readonly warn: (fields: Record<string, unknown>, message: string) => void;
}

export async function reportUncleanShutdown(deps: UncleanShutdownDeps): Promise<UncleanShutdown | null> {
  const stale = deps.lock.staleHolder;
  if (stale === null) return null;
  const head = await deps.reader.maxSeq();
  const lastSigned = (await deps.reader.checkpoints()).reduce((max, cp) => Math.max(max, cp.seq), 0);
  const unsignedEvents = Math.max(0, head - lastSigned);
  const oldest = unsignedEvents > 0 ? (await deps.reader.readAfter(lastSigned, 1))[0] : undefined;
  const report: UncleanShutdown = {
    previousPid: stale > 0 ? stale : null,
    unsignedFromSeq: unsignedEvents > 0 ? lastSigned + 1 : null,
    unsignedToSeq: unsignedEvents > 0 ? head : null,
    unsignedEvents,
    oldestUnsignedAt: oldest?.time ?? null,
  };
  deps.warn(
    { ...report },
    unsignedEvents > 0
      ? `unclean shutdown: the previous server (pid ${stale}) did not stop cleanly; audit events ${lastSigned + 1}..${head} (${unsignedEvents}) were not under a signed checkpoint and are signed now`
      : `unclean shutdown: the previous server (pid ${stale}) did not stop cleanly; every audit event was under a signed checkpoint`,
  );
  await deps.withAuditStore(async (store) => {
    await deps.auditLog.writer(store).record(
      { principal: SYSTEM_PRINCIPAL, requestId: 'startup', source: 'local' },
      {
        action: 'platform.server.unclean_shutdown',
        target: { type: 'server', id: String(stale > 0 ? stale : 'unknown') },
        outcome: 'failure',
        reason: 'unclean-shutdown',
        details: {
          unsignedEvents,
          ...(report.unsignedFromSeq !== null ? { unsignedFromSeq: report.unsignedFromSeq, unsignedToSeq: head } : {}),
        },
      },
    );
    // Sign the tail (and this event) now, rather than at the next scheduled checkpoint.
    await deps.auditLog.checkpointIfDue(store, true);
  });
  return report;
}
