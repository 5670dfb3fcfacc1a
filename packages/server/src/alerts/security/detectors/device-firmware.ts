/**
 * Firmware hash mismatch: a `device.firmware.reported` event whose details.reportedHash differs
 * from details.expectedHash. Vigil has no firmware reporting yet (the updates module will emit
 * this event when a device reports its running image); the detector is ready for it.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';

export function deviceFirmwareDetector(): Detector {
  return {
    name: 'device-firmware',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'device.firmware.reported' || event.deviceId === undefined) return null;
      const reported = event.details?.['reportedHash'];
      const expected = event.details?.['expectedHash'];
      if (typeof reported !== 'string' || typeof expected !== 'string' || reported.toLowerCase() === expected.toLowerCase()) return null;
      return candidate(event, {
        detector: 'device-firmware',
        severity: 'critical',
        title: 'Firmware hash mismatch',
        summary: 'a device reported a firmware image hash that differs from the expected one',
        subject: { kind: 'device', id: event.deviceId },
        windowSeconds: 86_400,
      });
    },
  };
}
