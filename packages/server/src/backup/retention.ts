/**
 * Grandfather-father-son retention: which backups to keep, and in which tier. Pure.
 *
 * For each tier (hourly, daily, weekly, monthly), the backups are grouped by their UTC hour,
 * day, ISO week or month; the newest backup of each of the N most recent groups is kept.
 * A backup kept by several tiers belongs to the longest one (it decides its Object Lock).
 *
 * MUST: the newest backup is always kept (when any tier keeps at least one).
 * MUST: at most hourly + daily + weekly + monthly backups are kept.
 * MUST: applying the policy to what it kept keeps the same set (pruning twice deletes nothing more).
 */

export interface RetentionPolicy {
  readonly hourly: number;
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

export type RetentionTier = 'hourly' | 'daily' | 'weekly' | 'monthly';

export const DEFAULT_RETENTION: RetentionPolicy = { hourly: 24, daily: 14, weekly: 8, monthly: 12 };

/** Longest first: the order a kept backup's tier is decided in. */
const TIERS: readonly RetentionTier[] = ['monthly', 'weekly', 'daily', 'hourly'];

/** How long a tier's backups stay locked (days) from their creation: the tier's span plus a margin. */
export const TIER_LOCK_DAYS: Readonly<Record<RetentionTier, number>> = { hourly: 2, daily: 15, weekly: 57, monthly: 366 };

export interface DatedBackup {
  readonly id: string;
  readonly at: Date;
}

export interface RetentionDecision {
  /** id -> the longest tier that keeps it. */
  readonly keep: ReadonlyMap<string, RetentionTier>;
  /** Ids to delete, oldest first. */
  readonly prune: readonly string[];
}

export function decideRetention(backups: readonly DatedBackup[], policy: RetentionPolicy): RetentionDecision {
  const newestFirst = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1));
  const keep = new Map<string, RetentionTier>();
  for (const tier of TIERS) {
    const limit = policy[tier];
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= limit) break;
      const bucket = bucketOf(tier, backup.at);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      if (!keep.has(backup.id)) keep.set(backup.id, tier);
    }
  }
  const prune = newestFirst.filter((b) => !keep.has(b.id)).reverse().map((b) => b.id);
  return { keep, prune };
}

export function bucketOf(tier: RetentionTier, at: Date): string {
  const iso = at.toISOString();
  switch (tier) {
    case 'hourly':
      return iso.slice(0, 13);
    case 'daily':
      return iso.slice(0, 10);
    case 'monthly':
      return iso.slice(0, 7);
    case 'weekly':
      return isoWeek(at);
  }
}

/** ISO 8601 week, e.g. "2026-W49" (weeks start on Monday; week 1 holds the year's first Thursday). */
function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
