/**
 * MQTT device clients for tests, the durability script and the bench: mqtt.js 5 over mTLS to
 * 127.0.0.1, MQTT 3.1.1 (aedes speaks 3.1.1), no automatic reconnect.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { TelemetryEnvelope } from '@vigil/protocol';
import type { IssuedCert } from './device-pki.js';

export interface DeviceClientOptions {
  readonly port: number;
  /** The root the client trusts for the server certificate. */
  readonly serverCaPem: string;
  /** The device's certificate and key (PEM); an IssuedCert will do. */
  readonly cert: Pick<IssuedCert, 'certPem' | 'keyPem'>;
  readonly clientId: string;
  readonly extra?: Partial<IClientOptions>;
}

export type ConnectResult = { readonly ok: true; readonly client: MqttClient } | { readonly ok: false; readonly error: string };

/** Connects once; resolves refused (never rejects) when TLS or CONNECT is refused or the socket closes. */
export function connectDevice(options: DeviceClientOptions, timeoutMs = 5000): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${options.port}`, {
      ca: options.serverCaPem,
      cert: options.cert.certPem,
      key: options.cert.keyPem,
      clientId: options.clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      rejectUnauthorized: true,
      servername: 'localhost',
      ...options.extra,
    });
    let settled = false;
    const finish = (result: ConnectResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!result.ok) client.end(true);
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    client.once('connect', () => finish({ ok: true, client }));
    client.once('error', (error) => finish({ ok: false, error: error.message }));
    client.once('close', () => finish({ ok: false, error: 'closed' }));
  });
}

/** Resolves when the client's connection closes (or after timeoutMs, with false). */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function envelope(deviceId: string, seq: number, ts: Date, value = 72): TelemetryEnvelope {
  return { v: 1, deviceId, seq, ts: ts.toISOString(), readings: [{ metric: '8867-4', value, unit: '/min' }] };
}
