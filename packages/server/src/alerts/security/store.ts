/**
 * The port of security monitoring: alerts, and the query side of the security event stream.
 * Implemented over kysely in storage/stores/security-alert-store.ts (SQLite and PostgreSQL).
 *
 * MUST: every read of tenant data filters by organization; `orgId: undefined` in a filter means
 *       "every organization" and is only passed for a platform-admin.
 */
import type { StoredSecurityEvent } from '../../patients/index.js';
import type { ListPage, SecuritySeverity } from '../../kernel/index.js';
import type { AlertSeverity, AlertStatus, SecurityAlert, SubjectKind } from './model.js';
import type { SecurityAlertSortKey, SecurityEventSortKey } from './security-list.js';

export interface SecurityEventQuery {
  /** undefined: all organizations (platform-admin); null: platform-level events only. */
  readonly orgId?: string | null;
  readonly type?: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly source?: string;
  readonly from?: string;
  readonly to?: string;
  readonly severities?: readonly SecuritySeverity[];
  readonly limit: number;
  /** With a page: (sort, id) order after its cursor, up to `page.limit + 1` rows; `limit` is ignored. */
  readonly page?: ListPage<SecurityEventSortKey>;
}

export interface SecurityAlertQuery {
  /** undefined: all organizations (platform-admin). */
  readonly orgIds?: ReadonlyArray<string | null>;
  readonly status?: AlertStatus;
  readonly severity?: AlertSeverity;
  readonly severities?: readonly AlertSeverity[];
  readonly detector?: string;
  readonly limit: number;
  /** With a page: (sort, id) order after its cursor, up to `page.limit + 1` rows; `limit` is ignored. */
  readonly page?: ListPage<SecurityAlertSortKey>;
}

export interface SeenDeviceRow {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly lastSeenAt: string;
}

export interface SecurityAlertStore {
  insert(alert: SecurityAlert): Promise<void>;
  update(alert: SecurityAlert): Promise<void>;
  get(id: string): Promise<SecurityAlert | undefined>;
  /** The newest alert of a detector and subject that is not resolved and was last seen at or after `since`. */
  findActive(orgId: string | null, detector: string, subject: { kind: SubjectKind; id: string }, since: string): Promise<SecurityAlert | undefined>;
  list(query: SecurityAlertQuery): Promise<SecurityAlert[]>;
  events(query: SecurityEventQuery): Promise<StoredSecurityEvent[]>;
  /** Active devices seen at least once whose last message is older than `before`. */
  seenBefore(before: string, limit: number): Promise<SeenDeviceRow[]>;
}
