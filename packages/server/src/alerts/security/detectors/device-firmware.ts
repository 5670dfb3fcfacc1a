/**
 * Firmware integrity: a `device.firmware.reported` event (produced by updates/ when a device's
 * signed attestation is compared with the signed releases, and by its daily check for models that
 * require a report) whose state is an integrity failure: unknown-hash (an image no release has),
 * foreign-hash (another model's image), below-minimum, or no-report. An event without a state
 * falls back to the hash comparison (details.reportedHash against details.expectedHash).
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';

const TITLES: Readonly<Record<string, string>> = {
  'unknown-hash': 'Firmware hash matches no signed release',
  'foreign-hash': "Firmware of another device model",
  'below-minimum': 'Firmware below the minimum version',
  'no-report': 'No firmware attestation from a device that must report',
};

export function deviceFirmwareDetector(): Detector {
  return {
    name: 'device-firmware',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'device.firmware.reported' || event.deviceId === undefined) return null;
      const state = event.details?.['state'];
      const reported = event.details?.['reportedHash'];
      const expected = event.details?.['expectedHash'];
      let title: string | undefined;
      if (typeof state === 'string') title = TITLES[state];
      else if (typeof reported === 'string' && typeof expected === 'string' && reported.toLowerCase() !== expected.toLowerCase()) title = 'Firmware hash mismatch';
      if (title === undefined) return null;
      return candidate(event, {
        detector: 'device-firmware',
        severity: state === 'no-report' ? 'high' : 'critical',
        title,
        summary: 'a device runs, or will not say it runs, firmware that is not a signed release it may run',
        subject: { kind: 'device', id: event.deviceId },
        windowSeconds: 86_400,
      });
    },
  };
}
