/**
 * The syslog hook for other modules' SIEM messages (the audit checkpoint witness): sends one
 * formatted RFC 5424 message, octet-counted (RFC 6587 §3.4.1), over TLS (RFC 5425) or, with the
 * `insecure` flag, plain TCP, through the alert channel's own transport (syslog-rfc5424.ts).
 *
 * MUST: TLS verifies the collector's certificate (TLS 1.2+); plain TCP needs `insecure`.
 */
import type { SyslogConfig } from './model.js';
import { frameOctetCounted, sendSyslogFrame } from './syslog-rfc5424.js';

export function sendSyslogMessage(config: SyslogConfig, message: string): Promise<void> {
  if (config.transport === 'tcp' && !config.insecure) return Promise.reject(new Error('syslog: plain TCP needs the insecure flag'));
  return sendSyslogFrame(config, frameOctetCounted(message));
}
