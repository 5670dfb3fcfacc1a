/**
 * The change request store port. Implemented in storage/stores/change-request-store.ts.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { ChangeKind, ChangeRequest, ChangeStatus } from './model.js';

export interface ChangeQuery {
  /** null: every organization (the host); otherwise this org plus platform-wide changes. */
  readonly orgId: string | null;
  readonly status?: ChangeStatus | undefined;
  /** Only changes applied before this time (what changed before an incident). */
  readonly appliedBefore?: string | undefined;
  readonly limit: number;
}

export interface ChangeRequestStore {
  insert(change: ChangeRequest): Promise<void>;
  update(change: ChangeRequest): Promise<void>;
  find(id: string): Promise<ChangeRequest | undefined>;
  list(query: ChangeQuery): Promise<ChangeRequest[]>;
  /** Approved, not yet applied changes of this kind and target (the gates); orgId null: platform-wide. */
  approvedChanges(kind: ChangeKind, target: string, orgId: string | null): Promise<ChangeRequest[]>;
  /** Emergency changes not reviewed (for the overdue-review check). */
  unreviewedEmergencies(): Promise<ChangeRequest[]>;
}

export interface ChangeScope {
  readonly changes: ChangeRequestStore;
  readonly audit: AuditWriter;
}
