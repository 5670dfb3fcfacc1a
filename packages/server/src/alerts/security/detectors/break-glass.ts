/** Every break-glass use (patients.break_glass), grouped per user within the window; reviewed in the break-glass queue. */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';

export function breakGlassDetector(settings: DetectorSettings['breakGlass']): Detector {
  return {
    name: 'break-glass',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'patients.break_glass' || event.userId === undefined) return null;
      return candidate(event, {
        detector: 'break-glass',
        severity: 'high',
        title: 'Break-glass access',
        summary: 'a user took an emergency grant to a patient record',
        subject: { kind: 'user', id: event.userId },
        windowSeconds: settings.windowSeconds,
      });
    },
  };
}
