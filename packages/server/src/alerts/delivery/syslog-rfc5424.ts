/**
 * Syslog delivery to a SIEM: RFC 5424 messages, framed by octet counting (RFC 6587 §3.4.1),
 * over TCP or TLS (RFC 5425, which mandates the same framing).
 *
 *   <PRI>1 TIMESTAMP HOSTNAME vigil PROCID security-alert [vigil@32473 alertId=".." ...] MSG
 *
 * PRI = facility * 8 + severity (RFC 5424 §6.2.1). Alert severities map to syslog severities:
 * critical -> 2 (Critical), high -> 3 (Error), medium -> 4 (Warning), low -> 5 (Notice).
 * The SD-ID uses 32473, the private enterprise number reserved for documentation (RFC 5612);
 * an operator with their own number can map it in the SIEM.
 *
 * MUST: SD-PARAM values escape '"', '\' and ']' (RFC 5424 §6.3.3); header fields are
 *       PRINTUSASCII without spaces, or NILVALUE '-'.
 * MUST: TLS verifies the collector's certificate; plain TCP needs the channel's `insecure` flag.
 * MUST: the collector's address passes the TargetPolicy (resolved and pinned in the socket's lookup).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import type { ChannelSender } from './channel-sender.js';
import type { AlertNotification, AlertSeverity, SyslogConfig } from './model.js';
import type { TargetPolicy } from './target-policy.js';

export const SYSLOG_APP_NAME = 'vigil';
export const SYSLOG_MSG_ID = 'security-alert';
export const SYSLOG_SD_ID = 'vigil@32473';

const SYSLOG_SEVERITY: Record<AlertSeverity, number> = { critical: 2, high: 3, medium: 4, low: 5 };

export function syslogPri(facility: number, severity: AlertSeverity): number {
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) throw new Error(`syslog: facility ${facility} outside 0..23`);
  return facility * 8 + SYSLOG_SEVERITY[severity];
}

/** A header field: printable US-ASCII (33..126), at most `max` characters, else '-'. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

function sdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export function formatRfc5424(
  n: AlertNotification,
  options: { readonly facility: number; readonly time: Date; readonly hostname?: string; readonly procId?: string },
): string {
  const a = n.alert;
  const params: Array<[string, string]> = [
    ['alertId', a.id],
    ['orgId', a.orgId ?? '-'],
    ['detector', a.detector],
    ['severity', a.severity],
    ['change', n.change],
    ['status', a.status],
    ['count', String(a.count)],
    ['subjectKind', a.subject.kind],
    ...(a.subject.id !== null ? ([['subjectId', a.subject.id]] as Array<[string, string]>) : []),
    ['firstSeenAt', a.firstSeenAt],
    ['lastSeenAt', a.lastSeenAt],
  ];
  const sd = `[${SYSLOG_SD_ID} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  const header = [
    `<${syslogPri(options.facility, a.severity)}>1`,
    options.time.toISOString(),
    headerField(options.hostname ?? osHostname(), 255),
    SYSLOG_APP_NAME,
    headerField(options.procId ?? String(process.pid), 128),
    SYSLOG_MSG_ID,
  ].join(' ');
  // MSG is UTF-8, so it starts with the BOM (RFC 5424 §6.4).
  const msg = `\ufeff${a.title.replace(/[\r\n]+/g, ' ')}`;
  return `${header} ${sd} ${msg}`;
}

/** RFC 6587 §3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, with MSG-LEN in bytes. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

export function syslogSender(config: SyslogConfig, now: () => Date, targets: TargetPolicy): ChannelSender {
  if (config.transport === 'tcp' && !config.insecure) throw new Error('syslog: plain TCP needs the insecure flag');
  return {
    send: async (notification) => {
      targets.checkHost(config.host);
      await sendSyslogFrame(config, frameOctetCounted(formatRfc5424(notification, { facility: config.facility, time: now() })), targets.lookup);
    },
  };
}

/**
 * Sends one octet-counted frame to the collector over TLS (RFC 5425, certificate verified, TLS
 * 1.2+) or plain TCP. `lookup` is the channel's address policy (tenant targets); the operator's
 * own collectors (the audit witness) pass none.
 */
export function sendSyslogFrame(config: SyslogConfig, frame: Buffer, lookup?: TargetPolicy['lookup']): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let socket: Socket;
    const onConnected = (): void => {
      socket.end(frame, () => resolve());
    };
    const pinned = lookup === undefined ? {} : { lookup };
    if (config.transport === 'tls') {
      socket = tlsConnect(
        { host: config.host, port: config.port, ...pinned, ...(isIP(config.host) === 0 ? { servername: config.host } : {}), minVersion: 'TLSv1.2', ...(config.caPem !== null ? { ca: config.caPem } : {}) },
        onConnected,
      );
    } else {
      socket = netConnect({ host: config.host, port: config.port, ...pinned }, onConnected);
    }
    socket.setTimeout(config.timeoutMs, () => socket.destroy(new Error(`no progress within ${config.timeoutMs} ms`)));
    socket.on('error', reject);
  });
}
