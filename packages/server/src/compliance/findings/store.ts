/**
 * The findings store port: audit runs and findings. Implemented in storage/stores/compliance-store.ts.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { Cadence, CheckStatus } from '../checks/index.js';
import type { Finding, FindingStatus } from './model.js';

/** One check's result as a run keeps it (the violations live on as findings). */
export interface StoredCheckResult {
  readonly checkId: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly affected: number;
  readonly durationMs: number;
}

export interface AuditRun {
  readonly id: string;
  readonly cadence: Cadence;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly actor: string;
  readonly results: readonly StoredCheckResult[];
  readonly counts: { readonly pass: number; readonly fail: number; readonly notApplicable: number; readonly error: number; readonly opened: number; readonly reopened: number; readonly resolved: number };
}

export interface FindingQuery {
  /** null: every organization (platform-wide callers); otherwise this org plus platform findings. */
  readonly orgId: string | null;
  readonly status?: FindingStatus | undefined;
  readonly checkId?: string | undefined;
  readonly severity?: string | undefined;
  readonly limit: number;
}

export interface FindingStore {
  insertRun(run: AuditRun): Promise<void>;
  listRuns(limit: number): Promise<AuditRun[]>;
  findRun(id: string): Promise<AuditRun | undefined>;
  /**
   * Every finding of these checks, whatever its status (a run reconciles against them). Read in
   * pages that yield to the event loop between them: a run reads it outside its transaction.
   */
  findingsOfChecks(checkIds: readonly string[]): Promise<Finding[]>;
  /** The findings of these checks written at or after `at` (a run's re-read inside its transaction). */
  findingsUpdatedSince(checkIds: readonly string[], at: string): Promise<Finding[]>;
  upsertFindings(findings: readonly Finding[]): Promise<void>;
  /** Every finding of these checks that is not resolved was seen by run `runId` at `at`: one set-based update. */
  touchFindings(checkIds: readonly string[], runId: string, at: string): Promise<void>;
  listFindings(query: FindingQuery): Promise<Finding[]>;
  findFinding(id: string): Promise<Finding | undefined>;
  /** Suppressed findings whose expiry is at or before `at`. */
  expiredSuppressions(at: string): Promise<Finding[]>;
}

export interface FindingScope {
  readonly findings: FindingStore;
  readonly audit: AuditWriter;
}
