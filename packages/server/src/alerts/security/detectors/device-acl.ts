/** ACL violations: a device publishing or subscribing outside its own topics, wildcards, a foreign client id, a Will or a retained message. */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import { deviceOrSource } from './device-subject.js';

const ACL_REASONS = new Set(['publish-acl', 'subscribe-acl', 'wildcard', 'client-id-mismatch', 'will', 'retained']);

export function deviceAclDetector(): Detector {
  return {
    name: 'device-acl',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'mqtt.refused' || !ACL_REASONS.has(event.reason)) return null;
      return candidate(event, {
        detector: 'device-acl',
        severity: 'high',
        title: 'Device ACL violation',
        summary: `a device was refused by the topic ACL (${event.reason})`,
        subject: deviceOrSource(event),
        windowSeconds: 3600,
      });
    },
  };
}
