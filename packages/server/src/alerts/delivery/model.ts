/**
 * Delivery of security alerts to the places a security team watches: a webhook, email, a SIEM
 * over syslog. Types and pure rules (no I/O).
 *
 * MUST: a notification carries no PHI: the alert's notes are never sent, and a subject of kind
 *       'patient' is sent without its id (HIPAA §164.514 minimum necessary; the console shows it).
 * MUST: channel secrets (webhook HMAC secret, SMTP password) are sealed at rest and never leave
 *       the service in a view, an error, a log line or an audit event.
 * MUST: retries are bounded (exponential back-off, RetryPolicy.maxAttempts); what still fails
 *       lands in the dead-letter list, never silently dropped.
 */

// The security alert and its notifier port are the security alerts module's own (security/):
// delivery implements the port for them.
import { ALERT_SEVERITIES, type AlertChange, type AlertSeverity, type SecurityAlert, type SecurityAlertNotifier } from '../security/index.js';

export { ALERT_SEVERITIES, type AlertChange, type AlertSeverity, type SecurityAlert, type SecurityAlertNotifier };

/** What leaves Vigil about an alert: PHI-free, secret-free (see MUST above). */
export interface AlertNotification {
  readonly change: AlertChange;
  readonly alert: {
    readonly id: string;
    readonly orgId: string | null;
    readonly detector: string;
    readonly severity: AlertSeverity;
    readonly title: string;
    readonly summary: string;
    readonly subject: { readonly kind: SecurityAlert['subject']['kind']; readonly id: string | null };
    readonly count: number;
    readonly firstSeenAt: string;
    readonly lastSeenAt: string;
    readonly status: SecurityAlert['status'];
  };
}

export function toNotification(alert: SecurityAlert, change: AlertChange): AlertNotification {
  return {
    change,
    alert: {
      id: alert.id,
      orgId: alert.orgId,
      detector: alert.detector,
      severity: alert.severity,
      title: alert.title,
      summary: alert.summary,
      subject: { kind: alert.subject.kind, id: alert.subject.kind === 'patient' ? null : alert.subject.id },
      count: alert.count,
      firstSeenAt: alert.firstSeenAt,
      lastSeenAt: alert.lastSeenAt,
      status: alert.status,
    },
  };
}

export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(minimum);
}

export type ChannelKind = 'webhook' | 'email' | 'syslog';

export interface WebhookConfig {
  readonly url: string;
  readonly timeoutMs: number;
  /** Extra CA (PEM) to trust for the receiver's certificate (a private CA). */
  readonly caPem: string | null;
  /** Allows an http:// URL (logged as a warning). */
  readonly insecure: boolean;
}
export interface WebhookSecrets {
  readonly secret: string;
}

export interface EmailConfig {
  readonly host: string;
  readonly port: number;
  readonly from: string;
  readonly to: readonly string[];
  readonly username: string | null;
  /** Extra CA (PEM) to trust for the SMTP server's certificate (a private CA). */
  readonly caPem: string | null;
  readonly timeoutMs: number;
  /** 'starttls' (RFC 3207, port 587) or 'implicit' (TLS from the first byte, RFC 8314, port 465). */
  readonly tlsMode: 'starttls' | 'implicit';
  /** Allows sending without STARTTLS (logged as a warning); never with 'implicit'. */
  readonly insecure: boolean;
}
export interface EmailSecrets {
  readonly password: string | null;
}

export interface SyslogConfig {
  readonly host: string;
  readonly port: number;
  /** 'tls' (RFC 5425) or 'tcp' (RFC 6587, plain: needs `insecure`). */
  readonly transport: 'tls' | 'tcp';
  /** RFC 5424 §6.2.1 facility, 0..23; default 10 (security/authorization messages, authpriv). */
  readonly facility: number;
  readonly caPem: string | null;
  readonly timeoutMs: number;
  readonly insecure: boolean;
}

export type ChannelSettings =
  | { readonly kind: 'webhook'; readonly config: WebhookConfig; readonly secrets: WebhookSecrets }
  | { readonly kind: 'email'; readonly config: EmailConfig; readonly secrets: EmailSecrets }
  | { readonly kind: 'syslog'; readonly config: SyslogConfig; readonly secrets: Record<never, never> };

/** A channel as the API shows it: no secrets, no CA blobs. */
export interface ChannelView {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly name: string;
  readonly enabled: boolean;
  readonly minSeverity: AlertSeverity;
  readonly target: string;
}

export interface DeadLetterView {
  readonly id: string;
  readonly channelId: string;
  readonly alertId: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: string;
}

/** Bounded exponential back-off: delay(n) = min(maxDelayMs, baseDelayMs * 2^(n-1)) before attempt n+1. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/** The wait after failed attempt `attempt` (1-based). */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * What a tenant sees of a failed delivery: one generic reason. Refused connections, timeouts, TLS
 * failures, refused target addresses and receiver status codes all read the same, so the
 * dead-letter list cannot tell a tenant whether a port is open (a port-scan oracle). The detail
 * goes to the operator's log (describeFailure).
 */
export const GENERIC_DELIVERY_FAILURE = 'delivery failed: the receiver could not be reached or did not accept the alert (details in the server log)';

/** Coded, secret-free summary of a delivery failure for the operator's log (at most 200 chars). */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
