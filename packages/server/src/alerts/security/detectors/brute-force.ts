/**
 * Brute force on one account: `failures` failed logins for one user within `windowSeconds`
 * (HIPAA §164.308(a)(5)(ii)(C), log-in monitoring). Unknown usernames are the spray detector's.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { WindowCounter } from '../window-counter.js';

export function bruteForceDetector(settings: DetectorSettings['bruteForce']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000);
  return {
    name: 'brute-force',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'identity.login.failed' || event.userId === undefined) return null;
      const entries = counter.add(`${event.orgId ?? ''}/${event.userId}`, event);
      if (entries.length < settings.failures) return null;
      const first = entries.length === settings.failures;
      return candidate(event, {
        detector: 'brute-force',
        severity: 'high',
        title: 'Brute force on one account',
        summary: `${entries.length} failed logins for one account within ${settings.windowSeconds} s`,
        subject: { kind: 'user', id: event.userId },
        windowSeconds: settings.windowSeconds,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
  };
}
