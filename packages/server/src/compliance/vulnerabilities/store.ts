/**
 * The vulnerability store port: imported feeds, their records, VEX statements.
 * Implemented in storage/stores/vulnerability-store.ts.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { Advisory, KevEntry } from './model.js';

export interface FeedImport {
  readonly id: string;
  readonly kind: 'osv' | 'kev';
  readonly source: string;
  readonly feedDate: string;
  readonly importedAt: string;
  readonly importedBy: string;
  readonly records: number;
}

/** CycloneDX VEX analysis justifications for state "not_affected" (CycloneDX 1.6 §vulnerabilities.analysis). */
export const VEX_JUSTIFICATIONS = [
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
] as const;
export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number];

export interface VexStatement {
  readonly advisoryId: string;
  readonly purl: string;
  readonly state: 'not_affected';
  readonly justification: VexJustification;
  readonly detail: string;
  readonly madeBy: string;
  readonly madeAt: string;
}

export interface VulnerabilityStore {
  insertFeed(feed: FeedImport): Promise<void>;
  listFeeds(): Promise<FeedImport[]>;
  upsertAdvisories(feedId: string, advisories: readonly Advisory[]): Promise<void>;
  /** Replaces the whole KEV catalogue (each import is the full catalogue). */
  replaceKev(feedId: string, entries: readonly KevEntry[]): Promise<void>;
  advisories(): Promise<Advisory[]>;
  kevIds(): Promise<Set<string>>;
  upsertVex(statement: VexStatement): Promise<void>;
  vex(): Promise<VexStatement[]>;
}

export interface VulnerabilityScope {
  readonly vulnerabilities: VulnerabilityStore;
  readonly audit: AuditWriter;
}
