/**
 * Message size outliers (Device Defender `aws:message-byte-size`): after `warmupMessages`, a
 * message larger than max(minBytes, multiplier x the device's rolling mean size).
 * MUST: O(1) per message, bounded map of devices.
 */
import type { AlertCandidate, Detector, ObservedMessage } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { BoundedMap } from '../window-counter.js';

const ALPHA = 0.05;

export function deviceMessageSizeDetector(settings: DetectorSettings['deviceMessageSize']): Detector {
  const sizes = new BoundedMap<{ n: number; mean: number }>(100_000);
  return {
    name: 'device-message-size',
    observe: () => null,
    observeMessage(message: ObservedMessage): AlertCandidate | null {
      let s = sizes.get(message.deviceId);
      if (s === undefined) {
        s = { n: 0, mean: message.bytes };
        sizes.set(message.deviceId, s);
      }
      const limit = Math.max(settings.minBytes, settings.multiplier * s.mean);
      const outlier = s.n >= settings.warmupMessages && message.bytes > limit;
      // Outliers do not move the baseline, so a steady stream of big messages keeps alerting.
      if (!outlier) {
        s.mean = s.n === 0 ? message.bytes : ALPHA * message.bytes + (1 - ALPHA) * s.mean;
        s.n += 1;
        return null;
      }
      return {
        detector: 'device-message-size',
        severity: 'medium',
        title: 'Device message size outlier',
        summary: `a ${message.bytes}-byte message (limit ${Math.round(limit)}, mean ${Math.round(s.mean)})`,
        orgId: message.orgId,
        subject: { kind: 'device', id: message.deviceId },
        count: 1,
        at: new Date(message.at).toISOString(),
        windowSeconds: 3600,
        eventIds: [],
        auditSeqs: [],
      };
    },
  };
}
