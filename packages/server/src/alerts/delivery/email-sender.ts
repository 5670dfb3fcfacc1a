/**
 * Email delivery over SMTP (RFC 5321) with nodemailer.
 *
 * Two TLS modes: `starttls` (submission, port 587: RFC 3207 upgrade) and `implicit` (port 465:
 * TLS from the first byte, RFC 8314 §3.3, which recommends it for submission).
 *
 * MUST: TLS is required by default: with `starttls` the message is not sent if the server does
 *       not offer STARTTLS; in both modes the server's certificate must verify against the
 *       system CAs (or the channel's `caPem`) for the configured host name. Only the channel's
 *       explicit `insecure` flag allows plaintext SMTP (warned at creation).
 * MUST: the socket is opened by us, through the TargetPolicy (resolved address checked and
 *       pinned in its lookup), and handed to nodemailer; nodemailer never resolves the host.
 * MUST: subject and body carry no PHI and no free text from notes: severity, detector, change,
 *       alert id, counts and times, and the subject kind (model.ts toNotification).
 */
import { connect as netConnect } from 'node:net';
import { createTransport } from 'nodemailer';
import type { ChannelSender } from './channel-sender.js';
import type { AlertNotification, EmailConfig, EmailSecrets } from './model.js';
import type { TargetPolicy } from './target-policy.js';

export function emailSubject(n: AlertNotification): string {
  return `[Vigil] ${n.alert.severity.toUpperCase()} security alert ${n.change}: ${n.alert.detector}`;
}

export function emailBody(n: AlertNotification): string {
  const a = n.alert;
  return [
    `A security alert was ${n.change}.`,
    '',
    `Alert:      ${a.id}`,
    `Detector:   ${a.detector}`,
    `Severity:   ${a.severity}`,
    `Status:     ${a.status}`,
    `Title:      ${a.title}`,
    `Subject:    ${a.subject.kind}${a.subject.id === null ? '' : ` ${a.subject.id}`}`,
    `Count:      ${a.count}`,
    `First seen: ${a.firstSeenAt}`,
    `Last seen:  ${a.lastSeenAt}`,
    '',
    'Open the Vigil console (Security > Alerts) for the evidence.',
    '',
  ].join('\n');
}

export function emailSender(config: EmailConfig, secrets: EmailSecrets, targets: TargetPolicy): ChannelSender {
  const transport = emailTransport(config, secrets, targets);
  return {
    send: async (notification) => {
      await transport.sendMail({
        from: config.from,
        to: [...config.to],
        subject: emailSubject(notification),
        text: emailBody(notification),
      });
    },
  };
}

/** A plain-text message to one recipient through a channel's SMTP settings (incident notices), under the same TLS and address rules. */
export async function sendPlainEmail(config: EmailConfig, secrets: EmailSecrets, targets: TargetPolicy, to: string, subject: string, text: string): Promise<void> {
  await emailTransport(config, secrets, targets).sendMail({ from: config.from, to: [to], subject, text });
}

function emailTransport(config: EmailConfig, secrets: EmailSecrets, targets: TargetPolicy) {
  const implicit = config.tlsMode === 'implicit';
  return createTransport({
    host: config.host,
    port: config.port,
    secure: implicit,
    requireTLS: !implicit && !config.insecure,
    ignoreTLS: false,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(config.caPem !== null ? { ca: config.caPem } : {}) },
    ...(config.username !== null ? { auth: { user: config.username, pass: secrets.password ?? '' } } : {}),
    // Our socket, through the address policy; nodemailer runs STARTTLS or the implicit TLS
    // handshake over it, verifying the certificate for config.host (SNI and name check).
    getSocket: (_options, callback) => {
      try {
        targets.checkHost(config.host);
      } catch (error) {
        callback(error as Error);
        return;
      }
      const socket = netConnect({ host: config.host, port: config.port, lookup: targets.lookup });
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${config.timeoutMs} ms`)), config.timeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        callback(error);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        callback(null, { connection: socket });
      });
    },
  });
}
