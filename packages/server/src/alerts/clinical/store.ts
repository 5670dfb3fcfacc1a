/**
 * Ports of clinical alerts, implemented in storage/stores/clinical-alert-store.ts.
 *
 * MUST: every method takes the organization id and filters by it.
 * MUST: at most one unresolved alert per (rule, patient): `insertIfNone` is atomic (a unique
 *       partial index backs it), and answers false when one exists.
 */
import type { AuditWriter } from '../../audit/index.js';
import type { ListPage } from '../../kernel/index.js';
import type { AlertSortKey } from './alert-list.js';
import type { AlertRule, ClinicalAlert, ClinicalAlertStatus, ClinicalSeverity } from './model.js';

export interface AlertRuleStore {
  insert(rule: AlertRule, at: string): Promise<void>;
  update(rule: AlertRule, at: string): Promise<boolean>;
  find(orgId: string, id: string): Promise<AlertRule | undefined>;
  /** Organization rules, and those of `patientIds` when given (else every patient's). */
  list(orgId: string, options?: { readonly patientIds?: readonly string[]; readonly orgOnly?: boolean }): Promise<AlertRule[]>;
}

export interface ClinicalAlertStore {
  /** Inserts unless an unresolved alert exists for the same rule and patient; true when inserted. */
  insertIfNone(alert: ClinicalAlert): Promise<boolean>;
  find(orgId: string, id: string): Promise<ClinicalAlert | undefined>;
  /**
   * Alerts of `patientIds`, newest first; with `page`, in (sort, id) order after its cursor, up to
   * `page.limit + 1` rows (then `limit` is ignored).
   */
  list(
    orgId: string,
    options: {
      readonly patientIds: readonly string[];
      readonly status?: ClinicalAlertStatus;
      readonly severities?: readonly ClinicalSeverity[];
      readonly limit: number;
      readonly page?: ListPage<AlertSortKey>;
    },
  ): Promise<ClinicalAlert[]>;
  /** Open alerts of the organization counted per patient and severity (no patient data). */
  openCounts(orgId: string): Promise<Array<{ readonly patientId: string; readonly severity: ClinicalSeverity; readonly count: number }>>;
  /** Moves the status from one of `from`; false when it was not in one of them. */
  transition(orgId: string, id: string, from: readonly ClinicalAlertStatus[], to: ClinicalAlert): Promise<boolean>;
}

export interface ClinicalAlertScope {
  readonly rules: AlertRuleStore;
  readonly alerts: ClinicalAlertStore;
  readonly audit: AuditWriter;
}
