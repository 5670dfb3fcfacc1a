/**
 * An in-memory FindingStore and UnitOfWork for tests (no rollback: tests do not rely on it).
 */
import type { AuditWriter } from '../../audit/index.js';
import type { UnitOfWork } from '../../kernel/index.js';
import type { Finding } from './model.js';
import type { AuditRun, FindingScope, FindingStore } from './store.js';

export interface RecordedAudit {
  readonly action: string;
  readonly targetId: string;
  readonly reason?: string | undefined;
}

export class MemoryFindingStore implements FindingStore {
  readonly runs: AuditRun[] = [];
  readonly findings = new Map<string, Finding>();
  readonly audited: RecordedAudit[] = [];

  insertRun(run: AuditRun): Promise<void> {
    this.runs.unshift(run);
    return Promise.resolve();
  }
  listRuns(limit: number): Promise<AuditRun[]> {
    return Promise.resolve(this.runs.slice(0, limit));
  }
  findRun(id: string): Promise<AuditRun | undefined> {
    return Promise.resolve(this.runs.find((r) => r.id === id));
  }
  findingsOfChecks(checkIds: readonly string[]): Promise<Finding[]> {
    return Promise.resolve([...this.findings.values()].filter((f) => checkIds.includes(f.checkId)));
  }
  findingsUpdatedSince(checkIds: readonly string[], at: string): Promise<Finding[]> {
    return Promise.resolve([...this.findings.values()].filter((f) => checkIds.includes(f.checkId) && f.updatedAt >= at));
  }
  touchFindings(checkIds: readonly string[], runId: string, at: string): Promise<void> {
    for (const f of this.findings.values()) if (checkIds.includes(f.checkId) && f.status !== 'resolved') this.findings.set(f.id, { ...f, lastSeenAt: at, lastRunId: runId });
    return Promise.resolve();
  }
  upsertFindings(findings: readonly Finding[]): Promise<void> {
    for (const f of findings) this.findings.set(f.id, f);
    return Promise.resolve();
  }
  listFindings(q: { orgId: string | null; status?: string | undefined; checkId?: string | undefined }): Promise<Finding[]> {
    return Promise.resolve(
      [...this.findings.values()].filter(
        (f) => (q.orgId === null || f.orgId === null || f.orgId === q.orgId) && (q.status === undefined || f.status === q.status) && (q.checkId === undefined || f.checkId === q.checkId),
      ),
    );
  }
  findFinding(id: string): Promise<Finding | undefined> {
    return Promise.resolve(this.findings.get(id));
  }
  expiredSuppressions(at: string): Promise<Finding[]> {
    return Promise.resolve([...this.findings.values()].filter((f) => f.status === 'suppressed' && f.suppression !== null && f.suppression.expiresAt <= at));
  }

  uow(): UnitOfWork<FindingScope> {
    const audit: AuditWriter = {
      record: (_ctx, event) => {
        this.audited.push({ action: event.action, targetId: event.target.id, reason: event.reason });
        return Promise.resolve({} as Awaited<ReturnType<AuditWriter['record']>>);
      },
    };
    return { run: (fn) => fn({ findings: this, audit }) };
  }
}
