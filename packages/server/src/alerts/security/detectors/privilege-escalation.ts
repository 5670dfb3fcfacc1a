/**
 * Privilege escalation: a privileged role granted to a user (identity.role.granted whose new roles
 * add one of `privilegedRoles`), or a second factor removed (identity.mfa.removed).
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';

export function privilegeEscalationDetector(settings: DetectorSettings['privilegeEscalation']): Detector {
  return {
    name: 'privilege-escalation',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type === 'identity.mfa.removed' && event.userId !== undefined) {
        return candidate(event, {
          detector: 'privilege-escalation',
          severity: 'high',
          title: 'Second factor removed',
          summary: 'a second factor was removed from an account',
          subject: { kind: 'user', id: event.userId },
          windowSeconds: 3600,
        });
      }
      if (event.type !== 'identity.role.granted' || event.userId === undefined) return null;
      const from = String(event.details?.['from'] ?? '').split(',');
      const to = String(event.details?.['to'] ?? '').split(',');
      const added = to.filter((r) => r !== '' && !from.includes(r) && settings.privilegedRoles.includes(r));
      if (added.length === 0) return null;
      return candidate(event, {
        detector: 'privilege-escalation',
        severity: added.includes('platform-admin') ? 'critical' : 'high',
        title: 'Privileged role granted',
        summary: `role ${added.join(', ')} granted to a user`,
        subject: { kind: 'user', id: event.userId },
        windowSeconds: 3600,
      });
    },
  };
}
