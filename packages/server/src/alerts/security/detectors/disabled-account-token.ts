/** A disabled account's session token presented (identity.session.disabled_user): stolen or lingering credentials. */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';

export function disabledAccountTokenDetector(): Detector {
  return {
    name: 'disabled-account-token',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'identity.session.disabled_user' || event.userId === undefined) return null;
      return candidate(event, {
        detector: 'disabled-account-token',
        severity: 'critical',
        title: "Disabled account's token used",
        summary: 'a session token of a disabled account was presented',
        subject: { kind: 'user', id: event.userId },
        windowSeconds: 3600,
      });
    },
  };
}
