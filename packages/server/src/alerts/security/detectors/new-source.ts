/**
 * A successful login from a source address the user has not logged in from (remembered: the last
 * `rememberedSources` per user, in memory). The first login a user makes after start is learned.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { BoundedMap } from '../window-counter.js';

export function newSourceDetector(settings: DetectorSettings['newSource']): Detector {
  const known = new BoundedMap<string[]>();
  return {
    name: 'new-source',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'identity.login.succeeded' || event.userId === undefined || event.source === undefined) return null;
      const key = `${event.orgId ?? ''}/${event.userId}`;
      const sources = known.get(key);
      if (sources === undefined) {
        known.set(key, [event.source]);
        return null;
      }
      if (sources.includes(event.source)) return null;
      known.set(key, [...sources, event.source].slice(-settings.rememberedSources));
      return candidate(event, {
        detector: 'new-source',
        severity: 'low',
        title: 'Login from a new source address',
        summary: 'a user signed in from a source address not seen for them before',
        subject: { kind: 'user', id: event.userId },
        windowSeconds: 3600,
      });
    },
  };
}
