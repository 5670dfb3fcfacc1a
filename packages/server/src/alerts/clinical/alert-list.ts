/**
 * Clinical alerts as a list: filters (status, severity, patient) and sorting, keyset-paged with
 * kernel/list-page.ts. Severity sorts by rank (low < medium < high), not by its word.
 *
 * MUST: the patients a page may show are the caller's readable patients (or the one patient
 *       the PHI rule allowed); the store filters by organization and by those ids.
 */
import type { CursorPosition, SortSpec } from '../../kernel/index.js';
import type { ClinicalAlert, ClinicalSeverity } from './model.js';

export const ALERT_SORT_KEYS = ['openedAt', 'severity', 'status', 'metric'] as const;
export type AlertSortKey = (typeof ALERT_SORT_KEYS)[number];
export const ALERT_SORT: SortSpec<AlertSortKey> = { keys: ALERT_SORT_KEYS, defaultSort: 'openedAt', defaultDirection: 'desc' };

export const SEVERITY_RANK: Readonly<Record<ClinicalSeverity, number>> = { low: 1, medium: 2, high: 3 };

export function alertPosition(a: ClinicalAlert, sort: AlertSortKey): CursorPosition {
  switch (sort) {
    case 'openedAt':
      return { value: a.openedAt, id: a.id };
    case 'severity':
      return { value: SEVERITY_RANK[a.severity], id: a.id };
    case 'status':
      return { value: a.status, id: a.id };
    case 'metric':
      return { value: a.metric, id: a.id };
  }
}
