/**
 * PHI access outside working hours: a PHI read whose local hour (UTC + `utcOffsetMinutes`) is not
 * in [startHour, endHour). One alert per user and day (grouping window 12 h).
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';

export function offHoursPhiDetector(settings: DetectorSettings['offHoursPhi']): Detector {
  return {
    name: 'off-hours-phi',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'phi.read' || event.userId === undefined) return null;
      const local = new Date(Date.parse(event.time) + settings.utcOffsetMinutes * 60_000);
      const hour = local.getUTCHours();
      if (hour >= settings.startHour && hour < settings.endHour) return null;
      return candidate(event, {
        detector: 'off-hours-phi',
        severity: 'medium',
        title: 'PHI access outside working hours',
        summary: `PHI read at ${String(hour).padStart(2, '0')}:xx local time (hours ${settings.startHour}-${settings.endHour})`,
        subject: { kind: 'user', id: event.userId },
        windowSeconds: 12 * 3600,
      });
    },
  };
}
