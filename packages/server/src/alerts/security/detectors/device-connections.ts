/**
 * Connection detectors on the broker's mqtt.connected events: a source address change (the device
 * connects from another address than last time) and flapping (`connects` connections within the
 * window, Device Defender `aws:num-connection-attempts`).
 * MUST: flapping ignores a connect that follows a refusal or cut caused by the server's own storage
 *       failure (the broker marks it `afterStorageFault`).
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { BoundedMap, WindowCounter } from '../window-counter.js';

export function deviceSourceChangeDetector(): Detector {
  const last = new BoundedMap<string>(100_000);
  return {
    name: 'device-source-change',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'mqtt.connected' || event.deviceId === undefined || event.source === undefined) return null;
      const previous = last.get(event.deviceId);
      last.set(event.deviceId, event.source);
      if (previous === undefined || previous === event.source) return null;
      return candidate(event, {
        detector: 'device-source-change',
        severity: 'medium',
        title: 'Device source address changed',
        summary: 'a device connected from another source address than before',
        subject: { kind: 'device', id: event.deviceId },
        windowSeconds: 3600,
      });
    },
  };
}

export function deviceFlappingDetector(settings: DetectorSettings['deviceFlapping']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000);
  return {
    name: 'device-flapping',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'mqtt.connected' || event.deviceId === undefined) return null;
      // A reconnect after the server's own storage refused or cut the device is not the device's conduct (issue 17).
      if (event.details?.['afterStorageFault'] === true) return null;
      const entries = counter.add(event.deviceId, event);
      if (entries.length < settings.connects) return null;
      const first = entries.length === settings.connects;
      return candidate(event, {
        detector: 'device-flapping',
        severity: 'medium',
        title: 'Device connection flapping',
        summary: `${entries.length} connections within ${settings.windowSeconds} s`,
        subject: { kind: 'device', id: event.deviceId },
        windowSeconds: settings.windowSeconds,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
    snapshot: () => counter.export(),
    restore: (state) => counter.import(state),
  };
}
