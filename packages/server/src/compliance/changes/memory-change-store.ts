/**
 * An in-memory ChangeRequestStore and UnitOfWork for tests (audit records get increasing seqs).
 */
import type { AuditWriter } from '../../audit/index.js';
import type { UnitOfWork } from '../../kernel/index.js';
import type { ChangeKind, ChangeRequest } from './model.js';
import type { ChangeQuery, ChangeRequestStore, ChangeScope } from './store.js';

export class MemoryChangeStore implements ChangeRequestStore {
  readonly rows = new Map<string, ChangeRequest>();
  readonly audited: Array<{ seq: number; action: string; requestId: string; outcome: string }> = [];

  insert(change: ChangeRequest): Promise<void> {
    this.rows.set(change.id, change);
    return Promise.resolve();
  }
  update(change: ChangeRequest): Promise<void> {
    this.rows.set(change.id, change);
    return Promise.resolve();
  }
  find(id: string): Promise<ChangeRequest | undefined> {
    return Promise.resolve(this.rows.get(id));
  }
  list(q: ChangeQuery): Promise<ChangeRequest[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((c) => (q.orgId === null || c.orgId === null || c.orgId === q.orgId) && (q.status === undefined || c.status === q.status))
        .filter((c) => q.appliedBefore === undefined || (c.appliedAt !== null && c.appliedAt < q.appliedBefore))
        .slice(0, q.limit),
    );
  }
  approvedChanges(kind: ChangeKind, target: string, orgId: string | null): Promise<ChangeRequest[]> {
    return Promise.resolve([...this.rows.values()].filter((c) => c.kind === kind && c.status === 'approved' && c.orgId === orgId && c.target === target));
  }
  unreviewedEmergencies(): Promise<ChangeRequest[]> {
    return Promise.resolve([...this.rows.values()].filter((c) => c.emergency && c.reviewedAt === null));
  }
  uow(): UnitOfWork<ChangeScope> {
    const audit: AuditWriter = {
      record: (ctx, event) => {
        const seq = this.audited.length + 1;
        this.audited.push({ seq, action: event.action, requestId: ctx.requestId, outcome: event.outcome });
        return Promise.resolve({ seq } as Awaited<ReturnType<AuditWriter['record']>>);
      },
    };
    return { run: (fn) => fn({ changes: this, audit }) };
  }
}
