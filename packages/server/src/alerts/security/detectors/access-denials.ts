/** Repeated access denials: `denials` refused requests (access.request.deny) for one user within the window. */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { WindowCounter } from '../window-counter.js';

export function accessDenialsDetector(settings: DetectorSettings['accessDenials']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000);
  return {
    name: 'access-denials',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'access.denied' || event.userId === undefined) return null;
      const entries = counter.add(`${event.orgId ?? ''}/${event.userId}`, event);
      if (entries.length < settings.denials) return null;
      const first = entries.length === settings.denials;
      return candidate(event, {
        detector: 'access-denials',
        severity: 'medium',
        title: 'Repeated access denials',
        summary: `${entries.length} refused requests for one principal within ${settings.windowSeconds} s`,
        subject: { kind: 'user', id: event.userId },
        windowSeconds: settings.windowSeconds,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
  };
}
