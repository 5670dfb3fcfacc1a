/**
 * The backup use cases in a running Vigil (or a CLI beside it): create, list, verify, prune.
 * Each records a run (backup_runs) and an audit event; a failure also raises a security alert.
 *
 * MUST: every backup, verification, prune and failure is audited (actions backup.create,
 *       backup.verify, backup.prune), and a failure raises a security alert (detector
 *       "backup-failure") through the existing alert delivery.
 * MUST: prune deletes only what the retention policy releases, from targets that listed it,
 *       and never the newest backup.
 * MUST: a failed target leaves the previous backups there intact.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEventInput } from '../audit/index.js';
import { newId, type Clock, type RequestContext } from '../kernel/index.js';
import { createBackup, type CreateDeps, type CreateResult } from './create.js';
import { backupIdTime, type BackupManifest } from './model.js';
import { decideRetention, TIER_LOCK_DAYS, type RetentionPolicy } from './retention.js';
import { makeScratchDir } from './scratch.js';
import type { BackupRun, BackupRunStore, SnapshotInspector } from './store.js';
import type { BackupTarget } from './target.js';
import type { CoveragePolicy } from '../audit/index.js';
import { readManifest, verifyBackup, type VerifiedBackup } from './verify.js';
import { isAppError } from '../kernel/index.js';
import type { Verifier } from '../keys/index.js';

export interface BackupFailure {
  readonly kind: BackupRun['kind'];
  readonly target: string;
  readonly backupId: string | null;
  readonly reason: string;
}

export interface BackupServiceDeps {
  readonly create: Omit<CreateDeps, 'targets' | 'onProgress'>;
  readonly targets: readonly BackupTarget[];
  readonly inspector: SnapshotInspector;
  /** The audit writer's checkpoint cadence, for verifying the copy's chain. */
  readonly auditPolicy?: CoveragePolicy;
  readonly verifier: Verifier;
  /** Trusted audit-signing public keys of the live system. */
  readonly trustedKeys: () => Promise<ReadonlyMap<string, string>>;
  readonly runs: BackupRunStore;
  /** Appends one audit event in its own transaction (fails closed). */
  readonly audit: (ctx: RequestContext, event: AuditEventInput) => Promise<void>;
  /** Raises a security alert; never throws. */
  readonly alert: (failure: BackupFailure) => void;
  readonly retention: RetentionPolicy;
  readonly scratchRoot: string;
  readonly clock: Clock;
}

export interface ListedBackup {
  readonly target: string;
  readonly manifest: BackupManifest;
}

export interface VerifyReport {
  readonly backupId: string;
  readonly target: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly reason: string;
  readonly signingKeyId?: string;
  readonly auditEventsVerified?: number;
}

export interface ScheduledRun {
  readonly created: readonly CreateResult[];
  /** Targets that still failed after every attempt. */
  readonly failedTargets: readonly string[];
  readonly pruned: ReadonlyArray<{ target: string; pruned: string[]; kept: number }>;
  readonly verified: readonly VerifyReport[];
}

export class BackupService {
  constructor(private readonly deps: BackupServiceDeps) {}

  get targets(): readonly BackupTarget[] {
    return this.deps.targets;
  }

  async create(ctx: RequestContext, onProgress?: (done: number, total: number) => void, targets: readonly BackupTarget[] = this.deps.targets): Promise<CreateResult> {
    const started = this.deps.clock.now().toISOString();
    let result: CreateResult;
    try {
      result = await createBackup({ ...this.deps.create, targets, ...(onProgress ? { onProgress } : {}) });
    } catch (error) {
      const reason = reasonOf(error);
      for (const target of targets) await this.#failed(ctx, 'create', target.name, null, started, reason);
      throw error;
    }
    for (const outcome of result.outcomes) {
      if (outcome.ok) {
        await this.#record(ctx, { kind: 'create', backupId: result.id, target: outcome.target, startedAt: started, outcome: 'success', bytes: outcome.bytes, detail: `audit head ${result.facts.auditHead?.seq ?? 0}` });
      } else {
        await this.#failed(ctx, 'create', outcome.target, result.id, started, outcome.error ?? 'failed');
      }
    }
    return result;
  }

  /**
   * The scheduled run: a backup to every target, retried on the targets that failed (each failure
   * audited and alerted), then retention, then a verification of the new backup with the drill key.
   */
  async runScheduled(ctx: RequestContext, options: { identity?: string | undefined; attempts: number; delayMs: number; sleep?: (ms: number) => Promise<void> }): Promise<ScheduledRun> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
    let pending: readonly BackupTarget[] = this.deps.targets;
    const created: CreateResult[] = [];
    for (let attempt = 1; attempt <= options.attempts && pending.length > 0; attempt += 1) {
      if (attempt > 1) await sleep(options.delayMs * 2 ** (attempt - 2));
      try {
        const result = await this.create(ctx, undefined, pending);
        created.push(result);
        const failed = new Set(result.outcomes.filter((o) => !o.ok).map((o) => o.target));
        pending = pending.filter((t) => failed.has(t.name));
      } catch {
        // the snapshot itself failed: audited and alerted in create(); try again
      }
    }
    const pruned = await this.prune(ctx);
    const verified: VerifyReport[] = [];
    if (options.identity !== undefined) {
      for (const result of created) {
        for (const outcome of result.outcomes.filter((o) => o.ok)) verified.push(await this.verify(ctx, options.identity, { backupId: result.id, target: outcome.target }));
      }
    }
    return { created, failedTargets: pending.map((t) => t.name), pruned, verified };
  }

  async list(): Promise<ListedBackup[]> {
    const out: ListedBackup[] = [];
    for (const target of this.deps.targets) {
      for (const id of await target.listBackups()) {
        try {
          out.push({ target: target.name, manifest: (await readManifest(target, id)).manifest });
        } catch {
          // an unreadable manifest is reported by verify, not hidden: list shows what parses
        }
      }
    }
    return out;
  }

  target(name: string | undefined): BackupTarget {
    const target = name === undefined ? this.deps.targets[0] : this.deps.targets.find((t) => t.name === name || t.name === `local:${name}` || t.name.endsWith(`:${name}`));
    if (!target) throw new Error(name === undefined ? 'no backup target is configured' : `no backup target ${name}`);
    return target;
  }

  /** Full verification of one backup (or the newest) on one target; stored and audited. */
  async verify(ctx: RequestContext, identity: string, options: { backupId?: string; target?: string } = {}): Promise<VerifyReport> {
    const target = this.target(options.target);
    const started = this.deps.clock.now().toISOString();
    const id = options.backupId ?? (await target.listBackups()).at(-1);
    if (id === undefined) throw new Error(`no backup on ${target.name}`);
    const scratch = await makeScratchDir(this.deps.scratchRoot, 'verify-');
    let report: VerifyReport;
    try {
      const verified: VerifiedBackup = await verifyBackup(
        {
          target,
          identity,
          inspector: this.deps.inspector,
          verifier: this.deps.verifier,
          ...(this.deps.auditPolicy ? { auditPolicy: this.deps.auditPolicy } : {}),
          trustedKeys: await this.deps.trustedKeys(),
          scratchDir: join(scratch, 'parts'),
          // The database part is decrypted by the `age` tool when backup.ageBinary gives one (as it was encrypted).
          ageBinary: this.deps.create.ageBinary,
        },
        id,
      );
      report = { backupId: id, target: target.name, ok: true, reason: 'verified', signingKeyId: verified.signingKeyId, auditEventsVerified: verified.auditEventsVerified };
    } catch (error) {
      report = { backupId: id, target: target.name, ok: false, code: isAppError(error) ? error.code : 'INTERNAL', reason: reasonOf(error) };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    if (report.ok) {
      await this.#record(ctx, { kind: 'verify', backupId: id, target: target.name, startedAt: started, outcome: 'success', bytes: null, detail: `${report.auditEventsVerified ?? 0} audit events verified` });
    } else {
      await this.#failed(ctx, 'verify', target.name, id, started, `${report.code ?? ''}: ${report.reason}`);
    }
    return report;
  }

  /** Applies the retention policy on every target: deletes released backups, extends locks of promoted ones. */
  async prune(ctx: RequestContext): Promise<{ target: string; pruned: string[]; kept: number }[]> {
    const results: { target: string; pruned: string[]; kept: number }[] = [];
    for (const target of this.deps.targets) {
      const started = this.deps.clock.now().toISOString();
      try {
        const ids = await target.listBackups();
        const decision = decideRetention(ids.map((id) => ({ id, at: backupIdTime(id) })), this.deps.retention);
        if (target.extendRetention) {
          for (const [id, tier] of decision.keep) await target.extendRetention(id, new Date(backupIdTime(id).getTime() + TIER_LOCK_DAYS[tier] * 86_400_000));
        }
        for (const id of decision.prune) await target.removeBackup(id);
        results.push({ target: target.name, pruned: [...decision.prune], kept: decision.keep.size });
        await this.#record(ctx, { kind: 'prune', backupId: null, target: target.name, startedAt: started, outcome: 'success', bytes: null, detail: `pruned ${decision.prune.length}, kept ${decision.keep.size}` });
      } catch (error) {
        await this.#failed(ctx, 'prune', target.name, null, started, reasonOf(error));
      }
    }
    return results;
  }

  runs(kind: BackupRun['kind'] | null, limit = 50): Promise<BackupRun[]> {
    return this.deps.runs.recent(kind, limit);
  }

  /** Raises an alert when no drill succeeded within `days` (HIPAA §164.308(a)(7)(ii)(D)); true when overdue. */
  async checkDrillOverdue(days: number): Promise<boolean> {
    const last = (await this.deps.runs.recent('drill', 50)).find((r) => r.outcome === 'success');
    const overdue = last === undefined || this.deps.clock.now().getTime() - Date.parse(last.finishedAt) > days * 86_400_000;
    if (overdue) {
      this.deps.alert({ kind: 'drill', target: 'dr-drill', backupId: null, reason: last ? `the last successful drill was on ${last.finishedAt}, over ${days} days ago` : 'no successful drill on record' });
    }
    return overdue;
  }

  /** Records a run made elsewhere (a restore, a drill) and audits it. */
  async recordRun(ctx: RequestContext, run: Omit<BackupRun, 'id' | 'finishedAt'>): Promise<void> {
    if (run.outcome === 'failure') await this.#failed(ctx, run.kind, run.target, run.backupId, run.startedAt, run.detail);
    else await this.#record(ctx, run);
  }

  async #failed(ctx: RequestContext, kind: BackupRun['kind'], target: string, backupId: string | null, startedAt: string, reason: string): Promise<void> {
    this.deps.alert({ kind, target, backupId, reason });
    await this.#record(ctx, { kind, backupId, target, startedAt, outcome: 'failure', bytes: null, detail: reason.slice(0, 500) });
  }

  async #record(ctx: RequestContext, run: Omit<BackupRun, 'id' | 'finishedAt'>): Promise<void> {
    const full: BackupRun = { ...run, id: newId(), finishedAt: this.deps.clock.now().toISOString() };
    await this.deps.audit(ctx, {
      action: `backup.${run.kind}`,
      target: { type: 'backup', id: run.backupId ?? full.id },
      outcome: run.outcome,
      ...(run.outcome === 'failure' ? { reason: 'backup_failed' } : {}),
      details: { target: run.target.slice(0, 256), ...(run.bytes !== null ? { bytes: run.bytes } : {}) },
    });
    await this.deps.runs.insert(full);
  }
}

function reasonOf(error: unknown): string {
  if (isAppError(error)) return error.detail ?? error.publicMessage;
  return error instanceof Error ? error.message : String(error);
}
