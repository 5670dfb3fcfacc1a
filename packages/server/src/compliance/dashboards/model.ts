/**
 * The role dashboards' summaries: counts only (no names of patients, no PHI), for one
 * organization. `DashboardStore` is the port the storage adapter answers.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A device seen within this window is online; an active device not seen in it is offline. */
export const ONLINE_WINDOW_MS = 5 * 60_000;
/** A certificate that ends within this window is "expiring" (renewal is due). */
export const CERT_EXPIRING_WINDOW_MS = 30 * 24 * 3_600_000;
/** Failed logins are counted per hour over this many hours. */
export const FAILED_LOGIN_HOURS = 24;

export interface DeviceStateCounts {
  readonly total: number;
  /** Active and seen within ONLINE_WINDOW_MS. */
  readonly online: number;
  /** Active, not seen within ONLINE_WINDOW_MS (or never). */
  readonly offline: number;
  readonly quarantined: number;
  readonly revoked: number;
  readonly decommissioned: number;
  /** Not revoked or decommissioned, certificate ends within CERT_EXPIRING_WINDOW_MS (not yet ended). */
  readonly certificateExpiring: number;
  /** Not revoked or decommissioned, certificate already ended. */
  readonly certificateExpired: number;
}

export interface SecurityDashboard {
  readonly generatedAt: string;
  /** Open (not resolved or suppressed) security alerts by severity. */
  readonly openSecurityAlerts: Record<Severity, number>;
  readonly devices: DeviceStateCounts;
  /** Break-glass grants without a review outcome. */
  readonly breakGlassAwaitingReview: number;
  /** Failed logins per hour, oldest first, FAILED_LOGIN_HOURS entries (zeros included). */
  readonly failedLogins: readonly { readonly hour: string; readonly count: number }[];
}

export interface ChannelHealth {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly enabled: boolean;
  /** Deliveries waiting in the outbox (retrying or not yet sent). */
  readonly pending: number;
  /** Dead letters not yet resolved. */
  readonly deadLetters: number;
  readonly lastDeadLetterAt: string | null;
  /** 'ok' (nothing pending or dead), 'retrying' (pending only), 'failing' (dead letters), 'disabled'. */
  readonly health: 'ok' | 'retrying' | 'failing' | 'disabled';
}

export interface AdminDashboard {
  readonly generatedAt: string;
  readonly devices: DeviceStateCounts;
  readonly users: {
    readonly total: number;
    /** Active users with neither a confirmed authenticator app nor a security key. */
    readonly withoutMfa: number;
    /** Active users with no unexpired HIPAA training record. */
    readonly withoutTraining: number;
    readonly locked: number;
    readonly disabled: number;
  };
  readonly channels: readonly ChannelHealth[];
}

export interface DashboardStore {
  openSecurityAlertsBySeverity(orgId: string): Promise<ReadonlyArray<{ severity: string; count: number }>>;
  deviceCounts(orgId: string, now: Date): Promise<DeviceStateCounts>;
  breakGlassAwaitingReview(orgId: string): Promise<number>;
  /** Failed logins grouped by the hour prefix 'YYYY-MM-DDTHH', at or after `from`. */
  failedLoginsPerHour(orgId: string, from: string): Promise<ReadonlyArray<{ hour: string; count: number }>>;
  userCounts(orgId: string, now: Date): Promise<AdminDashboard['users']>;
  channelHealth(orgId: string): Promise<ReadonlyArray<Omit<ChannelHealth, 'health'>>>;
}

export function channelHealthOf(channel: Omit<ChannelHealth, 'health'>): ChannelHealth['health'] {
  if (!channel.enabled) return 'disabled';
  if (channel.deadLetters > 0) return 'failing';
  if (channel.pending > 0) return 'retrying';
  return 'ok';
}
