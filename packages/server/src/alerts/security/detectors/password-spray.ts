/**
 * Credential stuffing / password spray: failed logins on `accounts` distinct accounts (known or
 * unknown usernames, compared by id or keyed fingerprint) from one source within `windowSeconds`.
 */
import { candidate, type AlertCandidate, type Detector, type ObservedEvent } from '../model.js';
import type { DetectorSettings } from '../settings.js';
import { WindowCounter } from '../window-counter.js';

export function passwordSprayDetector(settings: DetectorSettings['passwordSpray']): Detector {
  const counter = new WindowCounter(settings.windowSeconds * 1000);
  return {
    name: 'password-spray',
    observe(event: ObservedEvent): AlertCandidate | null {
      if (event.type !== 'identity.login.failed' || event.source === undefined) return null;
      const account = event.userId ?? String(event.details?.['username'] ?? 'unknown');
      const entries = counter.add(event.source, event, account);
      const distinct = WindowCounter.distinct(entries);
      if (distinct < settings.accounts) return null;
      const first = distinct === settings.accounts && entries.filter((e) => e.value === account).length === 1;
      return candidate(event, {
        detector: 'password-spray',
        severity: 'high',
        title: 'Password spray from one source',
        summary: `failed logins on ${distinct} accounts from one source within ${settings.windowSeconds} s`,
        subject: { kind: 'source', id: event.source },
        // A source is not a tenant: the spray crosses organizations, so the alert is platform-level.
        orgId: null,
        windowSeconds: settings.windowSeconds,
        count: first ? entries.length : 1,
        ...(first ? { window: entries } : {}),
      });
    },
  };
}
