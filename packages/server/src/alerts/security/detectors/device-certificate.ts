/**
 * Revoked, expired or foreign certificates trying to connect: every refusal by the device
 * authenticator (device.certificate.refused: revoked, unknown device, quarantined, ...) and every
 * certificate the MQTT TLS gate could not verify (mqtt.refused with a tlsError: foreign CA,
 * expired). One alert per device (or source) and hour, with a count.
 */
import { alertSeverityOf, candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import { deviceOrSource } from './device-subject.js';

const TITLES: Record<string, string> = {
  revoked: 'Revoked device certificate used',
  'foreign-ca': 'Foreign certificate presented',
  expired: 'Expired device certificate used',
};

export function deviceCertificateDetector(): Detector {
  return {
    name: 'device-certificate',
    observe(event: ObservedEvent): AlertCandidate | null {
      const fromAuthenticator = event.type === 'device.certificate.refused' && event.reason !== 'no-certificate';
      const fromTlsGate = event.type === 'mqtt.refused' && event.details?.['tlsError'] !== undefined && event.reason !== 'no-certificate' && event.reason !== 'certificate-invalid';
      if (!fromAuthenticator && !fromTlsGate) return null;
      return candidate(event, {
        detector: 'device-certificate',
        severity: alertSeverityOf(event.severity),
        title: TITLES[event.reason] ?? 'Refused device certificate',
        summary: `a device certificate was refused (${event.reason})`,
        subject: deviceOrSource(event),
        windowSeconds: 3600,
      });
    },
  };
}
