/**
 * Telemetry retention: readings older than `retentionDays` are removed (whole monthly partitions on
 * PostgreSQL, rows on SQLite), and partitions are created ahead so inserts land in the right month.
 * HIPAA §164.316(b)(2) asks for documentation retention, not for keeping vitals forever; the
 * setting is the operator's, defaulting to 400 days.
 *
 * MUST: removal is audited ('telemetry.retention.apply') with what was dropped.
 */
import type { AuditWriter } from '../audit/index.js';
import type { Clock, RequestContext, UnitOfWork } from '../kernel/index.js';
import type { TelemetryRetentionStore } from './store.js';

export interface RetentionScope {
  readonly retention: TelemetryRetentionStore;
  readonly audit: AuditWriter;
}

export async function applyTelemetryRetention(
  uow: UnitOfWork<RetentionScope>,
  clock: Clock,
  retentionDays: number,
  ctx: RequestContext,
): Promise<{ droppedPartitions: string[]; deletedRows: number; createdPartitions: string[] }> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return uow.run(async (s) => {
    const createdPartitions = await s.retention.ensurePartitions(now);
    const removed = await s.retention.removeBefore(cutoff);
    if (removed.deletedRows > 0 || removed.droppedPartitions.length > 0) {
      await s.audit.record(ctx, {
        action: 'telemetry.retention.apply',
        target: { type: 'telemetry', id: 'readings' },
        outcome: 'success',
        details: { cutoff, deletedRows: removed.deletedRows, droppedPartitions: removed.droppedPartitions.length },
      });
    }
    return { ...removed, createdPartitions };
  });
}
