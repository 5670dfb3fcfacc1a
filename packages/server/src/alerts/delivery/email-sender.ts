/**
 * Email delivery over SMTP (RFC 5321) with nodemailer.
 *
 * MUST: STARTTLS (RFC 3207) is required by default: the message is not sent if the server does
 *       not offer it or the certificate does not verify; only the channel's explicit `insecure`
 *       flag allows plaintext SMTP (warned at creation).
 * MUST: subject and body carry no PHI and no free text from notes: severity, detector, change,
 *       alert id, counts and times, and the subject kind (model.ts toNotification).
 */
import { createTransport } from 'nodemailer';
import type { ChannelSender } from './channel-sender.js';
import type { AlertNotification, EmailConfig, EmailSecrets } from './model.js';

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

export function emailSender(config: EmailConfig, secrets: EmailSecrets): ChannelSender {
  const transport = emailTransport(config, secrets);
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

/** A plain-text message to one recipient through a channel's SMTP settings (incident notices). */
export async function sendPlainEmail(config: EmailConfig, secrets: EmailSecrets, to: string, subject: string, text: string): Promise<void> {
  await emailTransport(config, secrets).sendMail({ from: config.from, to: [to], subject, text });
}

function emailTransport(config: EmailConfig, secrets: EmailSecrets) {
  return createTransport({
    host: config.host,
    port: config.port,
    secure: false,
    requireTLS: !config.insecure,
    ignoreTLS: false,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(config.caPem !== null ? { ca: config.caPem } : {}) },
    ...(config.username !== null ? { auth: { user: config.username, pass: secrets.password ?? '' } } : {}),
  });
}
