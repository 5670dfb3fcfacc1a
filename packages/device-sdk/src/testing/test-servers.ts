/**
 * Real servers for the SDK's tests: an HTTPS enrolment endpoint that behaves like Vigil's
 * `POST /api/v1/devices/enroll`, and an aedes MQTT broker under a `tls.Server` that requires
 * client certificates from the test device CA (mTLS) and checks client id = certificate CN.
 * Test code only.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { TestPki } from './test-pki.js';

export interface EnrollServer {
  readonly url: string;
  readonly tokens: Set<string>;
  /** Requests received (bodies), for assertions. */
  readonly requests: unknown[];
  /** Telemetry accepted on POST /api/v1/devices/telemetry (mTLS). */
  readonly telemetry: ReceivedMessage[];
  /** Firmware attestations posted to /api/v1/devices/attestation (mTLS): client id and report. */
  readonly attestations: Array<{ readonly clientId: string; readonly report: Record<string, unknown> }>;
  /** The status the telemetry route answers (202 accepts). */
  telemetryStatus: (message: ReceivedMessage) => number;
  /** Overrides the response (status, body) for the next enroll or renew request. */
  respondNext: ((body: Record<string, unknown>) => Promise<{ status: number; body: unknown }>) | undefined;
  close(): Promise<void>;
}

export async function startEnrollServer(pki: TestPki, mqttPort = 8883): Promise<EnrollServer> {
  const tokens = new Set<string>();
  const requests: unknown[] = [];
  const state: EnrollServer = {
    url: '',
    tokens,
    requests,
    telemetry: [],
    attestations: [],
    telemetryStatus: () => 202,
    respondNext: undefined,
    close: async () => undefined,
  };
  const server: HttpsServer = createHttpsServer(
    // Client certificates are requested (for renewal) but not required (enrolment has none yet).
    { key: pki.server.keyPem, cert: pki.server.certPem, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false, ca: [pki.deviceCa.certPem, pki.root.certPem] },
    (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const route = req.method === 'POST' ? req.url : undefined;
        if (route === '/api/v1/devices/telemetry') {
          const socket = req.socket as TLSSocket;
          const clientId = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
          if (typeof clientId !== 'string') return send(401, { error: { code: 'DEVICE_CERTIFICATE_REQUIRED', message: 'no client certificate', requestId: 'r3' } });
          const payload = Buffer.concat(chunks).toString('utf8');
          const message = { clientId, topic: 'https', payload };
          const status = state.telemetryStatus(message);
          if (status === 202) state.telemetry.push(message);
          return send(status, status === 202 ? { accepted: true } : { error: { code: status === 409 ? 'TELEMETRY_REPLAY' : 'UNAVAILABLE', message: 'no', requestId: 'r4' } });
        }
        if (route === '/api/v1/devices/attestation') {
          const socket = req.socket as TLSSocket;
          const clientId = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
          if (typeof clientId !== 'string') return send(401, { error: { code: 'DEVICE_CERTIFICATE_REQUIRED', message: 'no client certificate', requestId: 'r5' } });
          state.attestations.push({ clientId, report: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
          return send(200, { state: 'verified', quarantined: false, released: false });
        }
        if (route !== '/api/v1/devices/enroll' && route !== '/api/v1/devices/renew') return send(404, { error: { code: 'NOT_FOUND', message: 'no route' } });
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        requests.push(body);
        const override = state.respondNext;
        state.respondNext = undefined;
        if (override) {
          const r = await override(body);
          return send(r.status, r.body);
        }
        if (route === '/api/v1/devices/renew') {
          // Authenticated by the current device certificate (mTLS), like Vigil's renew route.
          const socket = req.socket as TLSSocket;
          const deviceId = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
          if (typeof deviceId !== 'string') return send(401, { error: { code: 'DEVICE_CERTIFICATE_REQUIRED', message: 'no client certificate', requestId: 'r2' } });
          const certificate = await pki.issueDevice(body.csr as string, deviceId);
          return send(200, { deviceId, certificate, chain: [pki.deviceCa.certPem, pki.root.certPem], mqtt: { port: mqttPort } });
        }
        if (typeof body.token !== 'string' || !tokens.delete(body.token)) {
          return send(401, { error: { code: 'DEVICE_ENROLLMENT_TOKEN_INVALID', message: 'invalid token', requestId: 'r1' } });
        }
        const deviceId = `dev_${randomBytes(8).toString('hex')}`;
        const certificate = await pki.issueDevice(body.csr as string, deviceId);
        send(200, { deviceId, certificate, chain: [pki.deviceCa.certPem, pki.root.certPem], mqtt: { port: mqttPort } });
      })().catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface ReceivedMessage {
  readonly clientId: string;
  readonly topic: string;
  readonly payload: string;
}

export interface TestBroker {
  readonly port: number;
  readonly url: string;
  /** Every publish from a device that the broker acknowledged (PUBACK sent). */
  readonly received: ReceivedMessage[];
  /** Per publish: acknowledge it ('ack'), never answer ('hold'), or close the connection ('disconnect'). */
  gate: (message: ReceivedMessage) => 'ack' | 'hold' | 'disconnect';
  /** Refuse every SUBSCRIBE with a 0x80 return code. */
  refuseSubscriptions: boolean;
  /** Sends a message to a topic (as the cloud would a command). */
  publish(topic: string, payload: string): Promise<void>;
  /** Connected client ids. */
  clients(): string[];
  close(): Promise<void>;
}

/** An aedes broker behind mutual TLS; pass `port` to restart on the same port. */
export async function startTestBroker(pki: TestPki, port = 0): Promise<TestBroker> {
  const broker = await Aedes.createBroker({
    authenticate(client: Client, _u, _p, done) {
      const socket = client.conn as unknown as TLSSocket;
      const cn = socket.getPeerCertificate?.().subject?.CN;
      if (cn === undefined || cn !== client.id) {
        const error = Object.assign(new Error('client id does not match certificate'), { returnCode: 5 as const });
        return done(error as Parameters<typeof done>[0], false);
      }
      done(null, true);
    },
    authorizeSubscribe(_client, subscription, callback) {
      // null grants nothing: the SUBACK carries 0x80 (MQTT 3.1.1 §3.9.3).
      callback(null, state.refuseSubscriptions ? null : subscription);
    },
    authorizePublish(client, packet, callback) {
      if (client === null) return callback(null);
      const message = { clientId: client.id, topic: packet.topic, payload: packet.payload.toString() };
      const decision = state.gate(message);
      if (decision === 'hold') return; // never acknowledged
      if (decision === 'disconnect') {
        (client.conn as unknown as Socket).destroy();
        return;
      }
      state.received.push(message);
      callback(null);
    },
  });
  const sockets = new Set<Socket>();
  const server: TlsServer = createTlsServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: [pki.deviceCa.certPem, pki.root.certPem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  const state: TestBroker = {
    port: actualPort,
    url: `mqtts://localhost:${actualPort}`,
    received: [],
    gate: () => 'ack',
    refuseSubscriptions: false,
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false } as AedesPublishPacket, (error) =>
          error ? reject(error) : resolve(),
        ),
      ),
    clients: () => Object.keys((broker as unknown as { clients: Record<string, unknown> }).clients),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
  return state;
}
