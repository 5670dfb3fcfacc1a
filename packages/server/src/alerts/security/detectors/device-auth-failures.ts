/**
 * Device authorization failures (Device Defender `aws:num-authorization-failures`): `failures`
 * refused device authentications (no certificate, an unverifiable one, an authenticator error,
 * an HTTPS ingest refusal) for one device or source within the window. Revoked, expired and
 * foreign certificates are the device-certificate detector's, so one attempt counts once.
 */
import { alertSeverityOf, candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { WindowCounter } from '../window-counter.js';
import { deviceOrSource } from './device-subject.js';

const MQTT_AUTH_REASONS = new Set(['no-certificate', 'certificate-invalid', 'authenticator-error']);

export function deviceAuthFailuresDetector(settings: DetectorSettings['deviceAuthFailures']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000);
  return {
    name: 'device-auth-failures',
    observe(event: ObservedEvent): AlertCandidate | null {
      const relevant = (event.type === 'mqtt.refused' && MQTT_AUTH_REASONS.has(event.reason)) || event.type === 'ingest.https.refused';
      if (!relevant) return null;
      const subject = deviceOrSource(event);
      const entries = counter.add(`${subject.kind}/${subject.id}`, event);
      if (entries.length < settings.failures) return null;
      const first = entries.length === settings.failures;
      return candidate(event, {
        detector: 'device-auth-failures',
        severity: alertSeverityOf(event.severity) === 'low' ? 'medium' : alertSeverityOf(event.severity),
        title: 'Device authorization failures',
        summary: `${entries.length} refused device authentications within ${settings.windowSeconds} s`,
        subject,
        windowSeconds: settings.windowSeconds,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
  };
}
