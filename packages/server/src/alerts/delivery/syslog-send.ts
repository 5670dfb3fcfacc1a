/**
 * The syslog hook for other modules' SIEM messages (the audit checkpoint witness): sends one
 * formatted RFC 5424 message, octet-counted (RFC 6587 §3.4.1), over TLS (RFC 5425) or, with the
 * `insecure` flag, plain TCP. The same transport rules as the alert channel (syslog-rfc5424.ts),
 * kept in its own file so that the channel code stays as it is.
 *
 * MUST: TLS verifies the collector's certificate (TLS 1.2+); plain TCP needs `insecure`.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SyslogConfig } from './model.js';
import { frameOctetCounted } from './syslog-rfc5424.js';

export function sendSyslogMessage(config: SyslogConfig, message: string): Promise<void> {
  if (config.transport === 'tcp' && !config.insecure) return Promise.reject(new Error('syslog: plain TCP needs the insecure flag'));
  return new Promise<void>((resolve, reject) => {
    const frame = frameOctetCounted(message);
    let socket: Socket;
    const onConnected = (): void => {
      socket.end(frame, () => resolve());
    };
    if (config.transport === 'tls') {
      socket = tlsConnect(
        { host: config.host, port: config.port, ...(isIP(config.host) === 0 ? { servername: config.host } : {}), minVersion: 'TLSv1.2', ...(config.caPem !== null ? { ca: config.caPem } : {}) },
        onConnected,
      );
    } else {
      socket = netConnect({ host: config.host, port: config.port }, onConnected);
    }
    socket.setTimeout(config.timeoutMs, () => socket.destroy(new Error(`no progress within ${config.timeoutMs} ms`)));
    socket.on('error', reject);
  });
}
