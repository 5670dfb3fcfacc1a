/**
 * Bulk PHI access: the distinct patients one user reads within `windowSeconds` exceed the absolute
 * cap, or `baselineMultiplier` times the user's baseline (the largest count of their previous
 * windows, at least `minimumBaseline`). HIPAA §164.308(a)(1)(ii)(D) information-system activity review.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { BoundedMap, WindowCounter } from '../window-counter.js';

export function bulkPhiDetector(settings: DetectorSettings['bulkPhi']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000, 10_000, 5_000);
  const baseline = new BoundedMap<{ windowStart: number; peak: number; previousPeak: number }>();
  return {
    name: 'bulk-phi',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'phi.read' || event.userId === undefined || event.patientId === undefined) return null;
      const key = `${event.orgId ?? ''}/${event.userId}`;
      const at = Date.parse(event.time);
      const entries = counter.add(key, event, event.patientId);
      const distinct = WindowCounter.distinct(entries);
      const windowMs = settings.windowSeconds * 1000;
      let b = baseline.get(key) ?? { windowStart: at, peak: 0, previousPeak: 0 };
      if (at - b.windowStart >= windowMs) b = { windowStart: at, peak: 0, previousPeak: Math.max(b.previousPeak, b.peak) };
      const limit = Math.min(settings.absoluteCap, Math.max(settings.minimumBaseline, b.previousPeak) * settings.baselineMultiplier);
      baseline.set(key, { ...b, peak: Math.max(b.peak, Math.min(distinct, limit)) });
      if (distinct <= limit) return null;
      const newPatient = entries.filter((e) => e.value === event.patientId).length === 1;
      if (!newPatient) return null;
      const first = distinct === Math.floor(limit) + 1;
      return candidate(event, {
        detector: 'bulk-phi',
        severity: 'high',
        title: 'Bulk PHI access',
        summary: `one user read ${distinct} distinct patients within ${settings.windowSeconds} s (limit ${Math.floor(limit)})`,
        subject: { kind: 'user', id: event.userId },
        windowSeconds: settings.windowSeconds,
        count: first ? distinct : 1,
        ...(first ? { window: entries.slice(-50) } : {}),
      });
    },
  };
}
