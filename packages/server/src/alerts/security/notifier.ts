/**
 * The notifier port: how an alert leaves the platform (webhook, email, syslog: the delivery
 * channels implement it). The alert service calls it after the change is committed.
 * MUST: notify never throws into the alert service and never blocks it (delivery queues its work).
 */
import type { SecurityAlert } from './model.js';

export type AlertChange = 'opened' | 'escalated' | 'updated';

export interface SecurityAlertNotifier {
  notify(alert: SecurityAlert, change: AlertChange): void;
}

export const NO_NOTIFIER: SecurityAlertNotifier = { notify: () => undefined };
