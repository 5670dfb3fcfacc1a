/**
 * Security events and security alerts as lists: sort whitelists and cursor positions for
 * kernel/list-page.ts. Severities sort by rank (info < low < medium < high < critical).
 *
 * MUST: the organization scope of a page is the service's (#scope: the caller's organization, or
 *       every one for a platform-admin); the cursor never carries it.
 */
import type { CursorPosition, SecuritySeverity, SortSpec } from '../../kernel/index.js';
import type { StoredSecurityEvent } from '../../patients/index.js';
import type { SecurityAlert } from './model.js';

export const SECURITY_SEVERITY_RANK: Readonly<Record<SecuritySeverity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export const SECURITY_EVENT_SORT_KEYS = ['time', 'type', 'severity'] as const;
export type SecurityEventSortKey = (typeof SECURITY_EVENT_SORT_KEYS)[number];
export const SECURITY_EVENT_SORT: SortSpec<SecurityEventSortKey> = { keys: SECURITY_EVENT_SORT_KEYS, defaultSort: 'time', defaultDirection: 'desc' };

export const SECURITY_ALERT_SORT_KEYS = ['lastSeenAt', 'firstSeenAt', 'severity', 'status', 'count', 'detector'] as const;
export type SecurityAlertSortKey = (typeof SECURITY_ALERT_SORT_KEYS)[number];
export const SECURITY_ALERT_SORT: SortSpec<SecurityAlertSortKey> = { keys: SECURITY_ALERT_SORT_KEYS, defaultSort: 'lastSeenAt', defaultDirection: 'desc' };

export function securityEventPosition(e: StoredSecurityEvent, sort: SecurityEventSortKey): CursorPosition {
  switch (sort) {
    case 'time':
      return { value: e.time, id: e.id };
    case 'type':
      return { value: e.type, id: e.id };
    case 'severity':
      return { value: SECURITY_SEVERITY_RANK[e.severity], id: e.id };
  }
}

export function securityAlertPosition(a: SecurityAlert, sort: SecurityAlertSortKey): CursorPosition {
  switch (sort) {
    case 'lastSeenAt':
      return { value: a.lastSeenAt, id: a.id };
    case 'firstSeenAt':
      return { value: a.firstSeenAt, id: a.id };
    case 'severity':
      return { value: SECURITY_SEVERITY_RANK[a.severity], id: a.id };
    case 'status':
      return { value: a.status, id: a.id };
    case 'count':
      return { value: a.count, id: a.id };
    case 'detector':
      return { value: a.detector, id: a.id };
  }
}
