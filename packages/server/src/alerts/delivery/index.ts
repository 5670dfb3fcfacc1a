/**
 * alerts/delivery: security alerts to webhooks (HMAC-signed), email (SMTP, STARTTLS or implicit
 * TLS) and SIEMs (syslog RFC 5424 over TCP/TLS), with bounded retries kept in a durable outbox, a
 * dead-letter list, and an outbound address policy against SSRF.
 */
export { DeliveryService, DeliveryNotifier, sealContext as channelSealContext, type ChannelInput, type ChannelPatch, type DeliveryServiceDeps } from './delivery-service.js';
export { createTargetPolicy, TargetRefusedError, type HostResolver, type TargetPolicy } from './target-policy.js';
export {
  ALERT_SEVERITIES,
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  toNotification,
  type AlertChange,
  type AlertNotification,
  type AlertSeverity,
  type ChannelKind,
  type ChannelView,
  type DeadLetterView,
  type RetryPolicy,
  type SecurityAlert,
  type SecurityAlertNotifier,
  type SyslogConfig,
} from './model.js';
export type { ChannelChange, ChannelRow, DeadLetterRow, DeliveryScope, DeliveryStore, OutboxRow } from './store.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-sender.js';
export { formatRfc5424, frameOctetCounted, syslogPri, SYSLOG_APP_NAME, SYSLOG_SD_ID } from './syslog-rfc5424.js';
export { sendSyslogMessage } from './syslog-send.js';
export { emailBody, emailSubject } from './email-sender.js';
