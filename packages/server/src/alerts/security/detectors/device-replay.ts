/**
 * Replayed, stale, future-dated or forged messages (FDA premarket guidance, Appendix 1 C/D):
 * ingest refusals with reason replay, stale, future, signature or device-mismatch, one alert per
 * device and window.
 */
import { alertSeverityOf, candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { deviceOrSource } from './device-subject.js';

const REASONS = new Set(['replay', 'stale', 'future', 'signature', 'device-mismatch']);

export function deviceReplayDetector(settings: DetectorSettings['deviceReplay']): Detector {
  return {
    name: 'device-replay',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'ingest.rejected' || !REASONS.has(event.reason)) return null;
      return candidate(event, {
        detector: 'device-replay',
        severity: alertSeverityOf(event.severity),
        title: 'Replayed or stale device messages',
        summary: `device messages refused by the ingest checks (${event.reason})`,
        subject: deviceOrSource(event),
        windowSeconds: settings.windowSeconds,
      });
    },
  };
}
