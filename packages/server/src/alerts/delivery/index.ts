/**
 * alerts/delivery: security alerts to webhooks (HMAC-signed), email (SMTP, STARTTLS) and SIEMs
 * (syslog RFC 5424 over TCP/TLS), with bounded retries and a dead-letter list.
 */
export { DeliveryService, DeliveryNotifier, sealContext as channelSealContext, type ChannelInput, type DeliveryServiceDeps } from './delivery-service.js';
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
} from './model.js';
export type { ChannelRow, DeadLetterRow, DeliveryScope, DeliveryStore } from './store.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook-sender.js';
export { formatRfc5424, frameOctetCounted, syslogPri, SYSLOG_APP_NAME, SYSLOG_SD_ID } from './syslog-rfc5424.js';
export { emailBody, emailSubject } from './email-sender.js';
