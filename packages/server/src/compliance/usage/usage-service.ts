/**
 * UsageService: per-user activity, platform usage over time, and the per-patient accounting of
 * disclosures (HIPAA §164.528), all derived from the audit log, identity, telemetry and the
 * hourly request counters.
 *
 * MUST: every report is scoped to the caller's organization; `usage:read` for activity and
 *       usage, `patients:disclosures` for an accounting. A patient of another organization is 404.
 * MUST: reading an accounting of disclosures is audited in the same transaction
 *       ('compliance.disclosures.view', target the patient), and fails if the audit write fails.
 */
import { decide } from '../../access/index.js';
import { AppError, isId, principalOrg, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import {
  bucketsBetween,
  bucketTime,
  isDisclosureAction,
  resolveRange,
  routeOfAction,
  type Disclosure,
  type PlatformUsage,
  type UsageInterval,
  type UserActivity,
} from './model.js';
import type { UsageBucketRow, UsageScope, UsageStore } from './store.js';

export interface UsageServiceDeps {
  readonly uow: UnitOfWork<UsageScope>;
  readonly reader: UsageStore;
  readonly clock: Clock;
}

interface RangeQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const MAX_DISCLOSURES = 10_000;
const MAX_ROUTES = 200;

export class UsageService {
  constructor(private readonly deps: UsageServiceDeps) {}

  async userActivity(ctx: RequestContext, query: RangeQuery): Promise<UserActivity[]> {
    const orgId = this.#authorize(ctx, 'usage:read');
    const range = resolveRange(query, this.deps.clock.now(), 30, 366);
    return this.deps.reader.userActivity(orgId, range);
  }

  async platformUsage(ctx: RequestContext, query: RangeQuery & { readonly interval?: UsageInterval | undefined }): Promise<PlatformUsage> {
    const orgId = this.#authorize(ctx, 'usage:read');
    const interval = query.interval ?? 'hour';
    const range = interval === 'hour' ? resolveRange(query, this.deps.clock.now(), 1, 31) : resolveRange(query, this.deps.clock.now(), 30, 366);
    const r = this.deps.reader;
    const [logins, apiCalls, devices, messages, routes] = await Promise.all([
      r.loginsPerBucket(orgId, range, interval),
      r.apiCallsPerBucket(orgId, range, interval),
      r.activeDevicesPerBucket(orgId, range, interval),
      r.messagesPerBucket(orgId, range, interval),
      r.apiCallsPerRoute(orgId, range, MAX_ROUTES),
    ]);
    const lookup = (rows: UsageBucketRow[]) => new Map(rows.map((row) => [row.bucket, row.value]));
    const [l, a, d, m] = [lookup(logins), lookup(apiCalls), lookup(devices), lookup(messages)];
    return {
      series: bucketsBetween(range, interval).map((bucket) => ({
        t: bucketTime(bucket, interval),
        logins: l.get(bucket) ?? 0,
        apiCalls: a.get(bucket) ?? 0,
        activeDevices: d.get(bucket) ?? 0,
        messagesIngested: m.get(bucket) ?? 0,
      })),
      routes,
    };
  }

  /** The accounting of disclosures of one patient (audited read). */
  async disclosures(ctx: RequestContext, patientId: string, query: RangeQuery): Promise<Disclosure[]> {
    const orgId = this.#authorize(ctx, 'patients:disclosures');
    if (!isId(patientId)) throw new AppError('NOT_FOUND');
    // §164.528(a)(1): an individual may ask for an accounting covering up to six years.
    const range = resolveRange(query, this.deps.clock.now(), 6 * 366, 6 * 366 + 2);
    return this.deps.uow.run(async (s) => {
      if (!(await s.usage.patientExists(orgId, patientId))) throw new AppError('NOT_FOUND');
      const rows = (await s.usage.disclosures(orgId, patientId, range, MAX_DISCLOSURES)).filter((row) => isDisclosureAction(row.action));
      await s.audit.record(ctx, {
        action: 'compliance.disclosures.view',
        target: { type: 'patient', id: patientId },
        outcome: 'success',
        orgId,
        details: { count: rows.length, from: range.from, to: range.to },
      });
      return rows.map((row): Disclosure => {
        const details = parseDetails(row.details);
        const text = (key: string): string | null => (typeof details[key] === 'string' ? details[key] : null);
        return {
          at: row.at,
          userId: row.actorId,
          username: row.username,
          action: row.action,
          route: routeOfAction(row.action),
          basis: text('basis') ?? row.reason,
          grantId: text('grantId'),
          reason: row.reason,
          fields: text('fields'),
        };
      });
    });
  }

  #authorize(ctx: RequestContext, permission: 'usage:read' | 'patients:disclosures'): string {
    const orgId = principalOrg(ctx.principal);
    const decision = decide(ctx.principal, permission, orgId === null ? undefined : { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'usage: the principal belongs to no organization' });
    return orgId;
  }
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
