/**
 * DashboardService: the security officer's and the admin's summaries, answered by a few
 * aggregate queries (GROUP BY / COUNT) instead of paging through every list.
 *
 * MUST: every summary is scoped to the caller's organization (a principal without one is refused);
 *       the security summary needs `security:read`, the admin summary `users:read`.
 * MUST: counts only: no patient, reason text or other PHI, so a read is not a disclosure and is not
 *       audited (the lists behind each count audit their own reads).
 */
import { decide } from '../../access/index.js';
import { AppError, principalOrg, type Clock, type RequestContext } from '../../kernel/index.js';
import { channelHealthOf, FAILED_LOGIN_HOURS, SEVERITIES, type AdminDashboard, type DashboardStore, type SecurityDashboard, type Severity } from './model.js';

export interface DashboardServiceDeps {
  readonly reader: DashboardStore;
  readonly clock: Clock;
}

const HOUR_MS = 3_600_000;

export class DashboardService {
  constructor(private readonly deps: DashboardServiceDeps) {}

  async security(ctx: RequestContext): Promise<SecurityDashboard> {
    const orgId = this.#authorize(ctx, 'security:read');
    const now = this.deps.clock.now();
    const firstHour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - (FAILED_LOGIN_HOURS - 1) * HOUR_MS);
    const r = this.deps.reader;
    const [alerts, devices, breakGlass, failed] = await Promise.all([
      r.openSecurityAlertsBySeverity(orgId),
      r.deviceCounts(orgId, now),
      r.breakGlassAwaitingReview(orgId),
      r.failedLoginsPerHour(orgId, firstHour.toISOString()),
    ]);
    const open = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const row of alerts) if ((SEVERITIES as readonly string[]).includes(row.severity)) open[row.severity as Severity] += row.count;
    const byHour = new Map(failed.map((row) => [row.hour, row.count]));
    const failedLogins = Array.from({ length: FAILED_LOGIN_HOURS }, (_, i) => {
      const hour = new Date(firstHour.getTime() + i * HOUR_MS).toISOString();
      return { hour, count: byHour.get(hour.slice(0, 13)) ?? 0 };
    });
    return { generatedAt: now.toISOString(), openSecurityAlerts: open, devices, breakGlassAwaitingReview: breakGlass, failedLogins };
  }

  async admin(ctx: RequestContext): Promise<AdminDashboard> {
    const orgId = this.#authorize(ctx, 'users:read');
    const now = this.deps.clock.now();
    const r = this.deps.reader;
    const [devices, users, channels] = await Promise.all([r.deviceCounts(orgId, now), r.userCounts(orgId, now), r.channelHealth(orgId)]);
    return { generatedAt: now.toISOString(), devices, users, channels: channels.map((c) => ({ ...c, health: channelHealthOf(c) })) };
  }

  #authorize(ctx: RequestContext, permission: 'security:read' | 'users:read'): string {
    const orgId = principalOrg(ctx.principal);
    const decision = decide(ctx.principal, permission, orgId === null ? undefined : { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: 'dashboard: the principal belongs to no organization' });
    return orgId;
  }
}
