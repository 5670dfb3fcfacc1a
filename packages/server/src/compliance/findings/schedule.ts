/**
 * When audits are due: a full audit every `fullEveryDays` (default 90, HIPAA §164.308(a)(8)
 * periodic evaluation), and the cheap checks daily. Decided from the stored runs, so a restart
 * neither skips nor repeats an audit. The wiring ticks it from a croner schedule.
 */
import type { Cadence } from '../checks/index.js';
import type { AuditRun } from './store.js';

export interface AuditSchedule {
  readonly fullEveryDays: number;
  readonly dailyEveryHours: number;
  /** croner pattern of the tick that asks dueCadence (default: every hour at :17). */
  readonly tickPattern: string;
}

export const DEFAULT_AUDIT_SCHEDULE: AuditSchedule = { fullEveryDays: 90, dailyEveryHours: 24, tickPattern: '17 * * * *' };

/** The cadence due now, or null. `runs`: the most recent runs, newest first. */
export function dueCadence(runs: readonly AuditRun[], now: Date, schedule: AuditSchedule = DEFAULT_AUDIT_SCHEDULE): Cadence | null {
  const lastFull = runs.find((r) => r.cadence === 'full');
  if (!lastFull || now.getTime() - Date.parse(lastFull.finishedAt) >= schedule.fullEveryDays * 86_400_000) return 'full';
  const last = runs[0];
  if (!last || now.getTime() - Date.parse(last.finishedAt) >= schedule.dailyEveryHours * 3_600_000) return 'daily';
  return null;
}
