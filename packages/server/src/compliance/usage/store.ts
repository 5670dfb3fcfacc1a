/** The usage store port (read-mostly views of audit, identity and telemetry, plus request counters). */
import type { AuditWriter } from '../../audit/index.js';
import type { TimeRange, UsageInterval } from './model.js';

export interface RequestCount {
  /** Start of the hour, 'YYYY-MM-DDTHH:00:00.000Z'. */
  readonly hour: string;
  /** '' when the caller belongs to no organization (anonymous). */
  readonly orgId: string;
  /** The user or service account id; '' for anonymous and device callers. */
  readonly userId: string;
  readonly method: string;
  /** The route pattern ('/api/v1/patients/:id'), never the URL. */
  readonly route: string;
  /** '2xx', '4xx', ... */
  readonly statusClass: string;
  readonly count: number;
}

export interface UserActivityRow {
  readonly userId: string;
  readonly username: string;
  readonly logins: number;
  readonly failedLogins: number;
  readonly apiCalls: number;
  readonly phiReads: number;
  readonly lastActiveAt: string | null;
}

export interface UsageBucketRow {
  /** The ISO prefix of the bucket: 'YYYY-MM-DDTHH' or 'YYYY-MM-DD'. */
  readonly bucket: string;
  readonly value: number;
}

export interface DisclosureRow {
  readonly at: string;
  readonly actorKind: string;
  readonly actorId: string;
  readonly username: string | null;
  readonly action: string;
  readonly reason: string | null;
  /** The audit details as stored (canonical JSON text). */
  readonly details: string;
}

export interface UsageStore {
  /** Adds counts to the hourly buckets (upsert). */
  addRequestCounts(counts: readonly RequestCount[]): Promise<void>;
  userActivity(orgId: string, range: TimeRange): Promise<UserActivityRow[]>;
  loginsPerBucket(orgId: string, range: TimeRange, interval: UsageInterval): Promise<UsageBucketRow[]>;
  apiCallsPerBucket(orgId: string, range: TimeRange, interval: UsageInterval): Promise<UsageBucketRow[]>;
  activeDevicesPerBucket(orgId: string, range: TimeRange, interval: UsageInterval): Promise<UsageBucketRow[]>;
  messagesPerBucket(orgId: string, range: TimeRange, interval: UsageInterval): Promise<UsageBucketRow[]>;
  /** API calls per 'METHOD /route/pattern', most first. */
  apiCallsPerRoute(orgId: string, range: TimeRange, limit: number): Promise<Array<{ route: string; count: number }>>;
  patientExists(orgId: string, patientId: string): Promise<boolean>;
  /** Stored security events per type, all organizations (the metrics endpoint). */
  securityEventsByType(): Promise<Record<string, number>>;
  /** Disclosures of one patient, oldest first, at most `limit`. */
  disclosures(orgId: string, patientId: string, range: TimeRange, limit: number): Promise<DisclosureRow[]>;
}

export interface UsageScope {
  readonly usage: UsageStore;
  readonly audit: AuditWriter;
}
