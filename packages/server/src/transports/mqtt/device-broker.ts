/**
 * The embedded MQTT broker for devices: aedes 1.x inside our own tls.Server (issue 4 item 3).
 * One handler per concern, in connection order:
 *   1. TLS (RFC 8446 §4.3.2 / RFC 5246 §7.4.4): a client certificate is required and must chain
 *      to the device CA; the gate below refuses any socket that TLS did not authorize.
 *   2. Packet size (MQTT 3.1.1 §2.2.3): GuardedConnection refuses an oversized Remaining Length.
 *   3. CONNECT (§3.1): the certificate maps to a registered device (DeviceAuthenticator); the
 *      client id must equal its device id (§3.1.3.1); a Will (§3.1.2.5) is refused.
 *   4. PUBLISH (§3.3): topic ACL, no retain, QoS <= 1, per-device rate; telemetry is committed
 *      before the callback returns, so aedes writes the PUBACK (§4.3.2) only after the commit.
 *   5. SUBSCRIBE (§3.8): own commands/updates only, no wildcards; refusal is a 0x80 SUBACK (§3.9.3).
 *   6. Forward: device->cloud messages are never forwarded; a command goes only to its device.
 *      A device's publish, once handled in step 4, does not enter aedes' relay at all (see below).
 *
 * Why rejectUnauthorized is false on the tls.Server: Node's `true` destroys the socket silently,
 * so a foreign or expired certificate could not be counted or reported. The same OpenSSL chain
 * verification against `ca` runs; `refuseUnverified` closes the socket before a byte of MQTT is
 * read when `socket.authorized` is false. Tests prove both refusals.
 *
 * Edge checks (issue 17, issue 11 item 5): the connection throttle (connection-throttle.ts, with
 * back-off) per source before the TLS gate's verdict and per certificate after it, and the storage
 * gate (storage-gate.ts) before step 3: CONNACK 3 "server unavailable" while storage cannot commit;
 * publishes whose commit failed for a storage fault wait.
 *
 * MUST: every refusal is counted per reason (`refusals`) and emitted as a SecurityEvent, except
 *       repeats within one throttle block and CONNACK 3 while storage fails (the server's state,
 *       not the device's conduct): those are counted only, so a loop cannot flood the event store.
 * MUST: disconnectDevice() cuts an open connection at once (revocation).
 * MUST: a telemetry message refused by the pipeline is acknowledged and dropped (§3.3.5: a
 *       server either acknowledges or closes); an ACL violation closes the connection.
 */
import type { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { deviceTopic, type CommandEnvelope } from '@vigil/protocol';
import { ALWAYS_HEALTHY, AppError, type SecurityEventSink, type StorageStatus } from '../../kernel/index.js';
import { ReasonCounters, type IngestDevice } from '../../telemetry/index.js';
import { TLS_PROFILE, type TlsCredentials, type TlsMinVersion } from '../http/tls-profile.js';
import { GuardedConnection } from './packet-size-guard.js';
import type { DeviceAuthenticator, DeviceMessageHandler } from './ports.js';
import { DEFAULT_BROKER_LIMITS, type DeviceBrokerLimits } from './broker-limits.js';
import { ConnectionThrottle } from './connection-throttle.js';
import { AEDES_ERRORS, SEVERITY, TLS_REASONS } from './refusal-reasons.js';
import { StorageGate } from './storage-gate.js';
import { TokenBucket } from './token-bucket.js';
import { authorizeDevicePublish, authorizeDeviceSubscribe } from './topic-acl.js';

export { DEFAULT_BROKER_LIMITS, type DeviceBrokerLimits } from './broker-limits.js';

export interface DeviceBrokerOptions {
  readonly host: string;
  readonly port: number;
  /** The server's certificate (the HTTPS one) and key. */
  readonly tls: TlsCredentials;
  readonly tlsMinVersion?: TlsMinVersion;
  /** PEM of the CA(s) that issue device certificates (intermediate, and root if needed). */
  readonly deviceCaPem: string;
  readonly authenticator: DeviceAuthenticator;
  readonly handler: DeviceMessageHandler;
  readonly events: SecurityEventSink;
  readonly limits?: Partial<DeviceBrokerLimits>;
  readonly now?: () => number;
  /** Whether storage can commit (issue 17); default: always. */
  readonly storage?: StorageStatus;
  /** Refuses connections from blocked source addresses (incidents' expiring block list). */
  readonly sourceGate?: { isBlocked(address: string): boolean };
}

export interface DeviceBroker {
  readonly port: number;
  /** Refusals per coded reason (TLS, CONNECT, PUBLISH, SUBSCRIBE, limits, telemetry checks). */
  readonly refusals: ReasonCounters;
  /** Connected devices. */
  connectedCount(): number;
  /** Devices with a publish waiting for storage to recover (issue 17). */
  devicesWaiting(): number;
  /** Cuts the device's open connection at once; true if one was open. */
  disconnectDevice(deviceId: string, reason?: string): boolean;
  /** Publishes a command to the device's commands topic (QoS 1); false if it is not connected and subscribed. */
  deliverCommand(deviceId: string, command: CommandEnvelope): Promise<boolean>;
  close(): Promise<void>;
}

interface Session {
  readonly device: IngestDevice;
  readonly source: string;
  /** Its previous connection ended because of the server's storage (refused or cut): not flapping. */
  readonly afterStorageFault: boolean;
}

export async function startDeviceBroker(options: DeviceBrokerOptions): Promise<DeviceBroker> {
  const limits: DeviceBrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const refusals = new ReasonCounters();
  const sessions = new WeakMap<Client, Session>();
  const sockets = new WeakMap<object, TLSSocket>();
  const verifiedPeers = new WeakMap<object, X509Certificate>();
  const buckets = new Map<string, TokenBucket>();
  /** The authenticated connection of each device (the latest, if it reconnected). */
  const connected = new Map<string, Client>();
  function track(client: Client, socket: TLSSocket): void {
    connected.set(client.id, client);
    socket.once('close', () => {
      if (connected.get(client.id) === client) connected.delete(client.id);
    });
  }
  const { handler, events } = options;
  const gate = new StorageGate(options.storage ?? ALWAYS_HEALTHY, limits.storageHoldSeconds * 1000);
  const perDevice = new ConnectionThrottle({ perMinute: limits.connectionsPerMinute, burst: limits.connectionBurst, backoffMaxSeconds: limits.connectionBackoffMaxSeconds });
  const perSource = new ConnectionThrottle({ perMinute: limits.sourceConnectionsPerMinute, burst: limits.sourceConnectionBurst, backoffMaxSeconds: limits.connectionBackoffMaxSeconds });
  /** Certificates whose last connection the server's storage refused or cut (bounded by the throttle's own bound). */
  const storageAffected = new Set<string>();
  const markStorageAffected = (fingerprint: string): void => {
    if (storageAffected.size >= 100_000) storageAffected.clear();
    storageAffected.add(fingerprint);
  };

  const refuse = (reason: string, where: { deviceId?: string; orgId?: string; source?: string }, details?: Record<string, string | number | boolean>): void => {
    refusals.add(reason);
    events.emit({
      type: 'mqtt.refused',
      severity: SEVERITY[reason] ?? 'low',
      reason,
      ...(where.deviceId !== undefined ? { deviceId: where.deviceId } : {}),
      ...(where.orgId !== undefined ? { orgId: where.orgId } : {}),
      ...(where.source !== undefined ? { source: where.source } : {}),
      ...(details ? { details } : {}),
    });
  };
  const where = (client: Client) => {
    const s = sessions.get(client);
    return s ? { deviceId: s.device.deviceId, orgId: s.device.orgId, source: s.source } : { source: sockets.get(client.conn)?.remoteAddress ?? 'unknown' };
  };
  const notAuthorized = (message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: 5 as const });

  const broker = await Aedes.createBroker({
    connectTimeout: limits.connectTimeoutMs,
    keepaliveLimit: limits.keepaliveLimitSeconds,
    queueLimit: limits.queueLimit,
    maxTopicLevels: limits.maxTopicLevels,
    maxClientsIdLength: 64,
    heartbeatInterval: 60_000,

    // §3.1: the verified certificate names the device; the client id must be that device id.
    authenticate(client, _username, _password, callback) {
      const socket = sockets.get(client.conn);
      const source = socket?.remoteAddress ?? 'unknown';
      const peer = socket?.getPeerX509Certificate();
      if (!socket || !peer) {
        refuse('no-certificate', { source });
        callback(notAuthorized('no certificate'), false);
        return;
      }
      if (!gate.admitsConnections()) {
        refusals.add('storage-unavailable');
        markStorageAffected(peer.fingerprint256);
        callback(Object.assign(new Error('server unavailable: storage'), { returnCode: 3 as const }), false);
        return;
      }
      Promise.resolve()
        .then(() => options.authenticator.authenticate(peer))
        .then(
          (result) => {
            if (!result.ok) {
              refuse(result.reason, { source }, { fingerprint: peer.fingerprint256 });
              callback(notAuthorized(result.reason), false);
              return;
            }
            const { device } = result;
            if (client.id !== device.deviceId) {
              refuse('client-id-mismatch', { deviceId: device.deviceId, orgId: device.orgId, source });
              callback(notAuthorized('client id mismatch'), false);
              return;
            }
            // §3.1.2.5: a Will is a publish the broker makes later on the device's behalf; devices have no use for one.
            if ((client as Client & { _will?: unknown })._will) {
              refuse('will', { deviceId: device.deviceId, orgId: device.orgId, source });
              callback(notAuthorized('will refused'), false);
              return;
            }
            const publicKeyPem = peer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
            const afterStorageFault = storageAffected.delete(peer.fingerprint256);
            sessions.set(client, { device: { deviceId: device.deviceId, orgId: device.orgId, model: device.model, publicKeyPem }, source, afterStorageFault });
            // Known from here, not from 'clientReady' (which aedes emits a few event-loop turns after
            // the CONNACK): a revocation must cut a device the moment it holds an accepted CONNACK.
            track(client, socket);
            callback(null, true);
          },
          () => {
            refuse('authenticator-error', { source });
            callback(notAuthorized('authentication failed'), false);
          },
        );
    },

    // §3.3 and §4.3.2: PUBACK is written by aedes after this callback; telemetry commits first.
    authorizePublish(client, packet, callback) {
      const session = client ? sessions.get(client) : undefined;
      if (!client || !session) {
        callback(new Error('not authenticated'));
        return;
      }
      const { device, source } = session;
      const decision = authorizeDevicePublish(device.deviceId, packet);
      if (!decision.ok) {
        refuse(decision.reason, where(client), { topic: packet.topic.slice(0, 128) });
        callback(new Error(`publish refused: ${decision.reason}`));
        return;
      }
      // Device events (alarms, faults) are stored by handler.event; without one they are refused
      // (no PUBACK, the connection closes) rather than acknowledged and dropped (issue 11).
      const onEvent = handler.event?.bind(handler);
      if (decision.channel === 'events' && onEvent === undefined) {
        refuse('events-not-accepted', where(client));
        callback(new Error('publish refused: device events are not accepted'));
        return;
      }
      let bucket = buckets.get(device.deviceId);
      if (!bucket) buckets.set(device.deviceId, (bucket = new TokenBucket(limits.messagesPerSecond, limits.burst, now())));
      if (!bucket.take(now())) {
        refuse('rate-limited', where(client));
        callback(new Error('rate limited'));
        return;
      }
      const ingest = (): Promise<void> =>
        decision.channel === 'telemetry'
          ? handler.telemetry(device, packet.payload as Buffer, source).then((outcome) => {
              if (outcome.status === 'rejected') refusals.add(`telemetry-${outcome.reason}`);
            })
          : decision.channel === 'events' && onEvent !== undefined
            ? // Committed before the PUBACK, like telemetry; a malformed event is counted and acknowledged (resending it cannot help).
              onEvent(device, packet.payload as Buffer, source).then((outcome) => {
                if (outcome.status === 'rejected') refusals.add(`event-${outcome.reason}`);
              })
            : handler.ack(device, packet.payload as Buffer, source);
      // Storage faults: the publish waits (no PUBACK, connection kept) and is ingested again (storage-gate.ts).
      gate.run(device.deviceId, ingest, () => connected.get(client.id) === client).then(
        () => callback(null),
        // Not committed: no PUBACK; closing makes the device resend (§4.4).
        (error: unknown) => {
          if (!gate.admitsConnections()) markStorageAffected(sockets.get(client.conn)?.getPeerX509Certificate()?.fingerprint256 ?? '');
          callback(error instanceof Error ? error : new Error('ingest failed'));
        },
      );
    },

    // §3.8.4: refuse with 0x80 in the SUBACK (callback(null, null)), not by closing.
    authorizeSubscribe(client, sub, callback) {
      const session = client ? sessions.get(client) : undefined;
      if (!client || !session) {
        callback(new Error('not authenticated'), null);
        return;
      }
      const decision = authorizeDeviceSubscribe(session.device.deviceId, sub.topic);
      if (!decision.ok) {
        refuse(decision.reason, where(client), { filter: sub.topic.slice(0, 128) });
        callback(null, null);
        return;
      }
      callback(null, { ...sub, qos: sub.qos > 1 ? 1 : sub.qos } as Subscription);
    },

    // Device->cloud messages are consumed by Vigil and never relayed; a command reaches its device only.
    authorizeForward(client, packet) {
      const session = sessions.get(client);
      if (!session) return null;
      const allowed = packet.topic === deviceTopic(session.device.deviceId, 'commands') || packet.topic === deviceTopic(session.device.deviceId, 'updates');
      return allowed ? packet : null;
    },
  });

  // A device's PUBLISH ends in authorizePublish: telemetry is committed there, events and acks are
  // handled there. aedes would then relay it (subscription match, retained store, offline queues,
  // the 'publish' event), only for authorizeForward to refuse every subscriber: a device publishes
  // to its own device->cloud topics only, and nothing subscribes to those. Skipping the relay was
  // 13% of ingest throughput. Publishes without a client (commands, $SYS) are relayed as before.
  type Relay = (packet: PublishPacket, client: Client | null | ((error?: Error) => void), done?: (error?: Error) => void) => void;
  const relay = broker.publish.bind(broker) as unknown as Relay;
  (broker as unknown as { publish: Relay }).publish = (packet, client, done) => {
    if (client !== null && typeof client === 'object' && sessions.has(client) && done !== undefined) {
      setImmediate(done); // asynchronous, as the relay is: aedes reads the next packet from here
      return;
    }
    relay(packet, client, done);
  };

  // Connections are security events too (info): source-change and flapping detectors read them.
  const connectionEvent = (type: string, client: Client): void => {
    const session = sessions.get(client);
    if (!session) return;
    const details = session.afterStorageFault && type === 'mqtt.connected' ? { details: { afterStorageFault: true } } : {};
    events.emit({ type, severity: 'info', reason: type === 'mqtt.connected' ? 'connect' : 'disconnect', deviceId: session.device.deviceId, orgId: session.device.orgId, source: session.source, ...details });
  };
  broker.on('clientReady', (client) => {
    connectionEvent('mqtt.connected', client);
  });
  broker.on('clientDisconnect', (client) => {
    if (connected.get(client.id) === client) connected.delete(client.id);
    connectionEvent('mqtt.disconnected', client);
  });
  broker.on('clientError', (client, error) => countAedesError(client, error));
  broker.on('connectionError', (client, error) => countAedesError(client, error));
  broker.on('subscribe', (subscriptions, client) => {
    const session = sessions.get(client);
    if (session && subscriptions.some((s) => s.topic === deviceTopic(session.device.deviceId, 'commands'))) handler.commandsSubscribed(session.device);
  });
  function countAedesError(client: Client, error: Error): void {
    for (const [pattern, reason] of AEDES_ERRORS) {
      if (pattern.test(error.message)) {
        // A keepalive or protocol-version refusal comes before authenticate(): no session yet.
        // The TLS layer verified the certificate, so the device (and its organization, whose
        // security officer must see the event) is known from it (issue 11).
        const socket = sockets.get(client.conn);
        const peer = sessions.has(client) ? undefined : verifiedPeers.get(client.conn);
        if (peer === undefined) {
          refuse(reason, where(client));
          return;
        }
        const source = socket?.remoteAddress ?? 'unknown';
        Promise.resolve()
          .then(() => options.authenticator.authenticate(peer))
          .then(
            (result) => refuse(reason, result.ok ? { deviceId: result.device.deviceId, orgId: result.device.orgId, source } : { source }),
            () => refuse(reason, { source }),
          );
        return;
      }
    }
  }

  const server: TlsServer = createServer(
    {
      ...TLS_PROFILE,
      minVersion: options.tlsMinVersion ?? 'TLSv1.2',
      cert: [options.tls.certPem.trim(), options.tls.chainPem.trim()].filter((b) => b.length > 0).join('\n') + '\n',
      key: options.tls.keyPem,
      ca: options.deviceCaPem,
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: limits.connectTimeoutMs,
    },
    (socket) => {
      // A PUBACK is 4 bytes, written after the commit: with Nagle's algorithm it waits for the
      // device's TCP ACK of our previous segment, which Linux delays up to 40 ms. That wait, not
      // the commit, set each device's pace (14k msg/s in the ingest bench; 29k with TCP_NODELAY).
      socket.setNoDelay(true);
      if (!admitConnection(socket, 'source') || !refuseUnverified(socket) || !admitConnection(socket, 'certificate')) return;
      const conn = new GuardedConnection(socket, limits.maxPacketBytes, (error) => {
        const client = clientsByConn.get(conn);
        refuse('packet-too-large', client ? where(client) : { source: socket.remoteAddress ?? 'unknown' }, { announced: error.announced });
      });
      sockets.set(conn, socket);
      // Kept for refusals that come before authenticate(), when the socket may already be gone.
      const peer = socket.getPeerX509Certificate();
      if (peer !== undefined) verifiedPeers.set(conn, peer);
      conn.on('error', () => undefined);
      broker.handle(conn);
    },
  );
  const clientsByConn = new WeakMap<object, Client>();
  broker.on('client', (client) => clientsByConn.set(client.conn, client));
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  // The block list is checked on the raw TCP connection, before the TLS handshake costs anything.
  const sourceGate = options.sourceGate;
  if (sourceGate) {
    server.on('connection', (socket: Socket) => {
      if (!sourceGate.isBlocked(socket.remoteAddress ?? '')) return;
      refuse('source-blocked', { source: socket.remoteAddress ?? 'unknown' });
      socket.destroy();
    });
  }

  /** The TLS gate: true when the peer presented a certificate that chained to the device CA. */
  function refuseUnverified(socket: TLSSocket): boolean {
    if (socket.authorized) return true;
    const source = socket.remoteAddress ?? 'unknown';
    const peer = socket.getPeerX509Certificate();
    const reason = peer ? (TLS_REASONS[String(socket.authorizationError)] ?? 'certificate-invalid') : 'no-certificate';
    refuse(reason, { source }, { tlsError: String(socket.authorizationError).slice(0, 64), ...(peer ? { fingerprint: peer.fingerprint256 } : {}) });
    socket.destroy();
    return false;
  }

  /**
   * The connection throttle (issue 11 item 5): per source before the certificate is judged (a loop
   * of foreign certificates is throttled too), then per certificate; refused sockets are destroyed.
   */
  function admitConnection(socket: TLSSocket, scope: 'source' | 'certificate'): boolean {
    const source = socket.remoteAddress ?? 'unknown';
    const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? 'none';
    const verdict = scope === 'source' ? perSource.check(source, now()) : perDevice.check(fingerprint, now());
    if (verdict.ok) return true;
    if (verdict.report) refuse('connection-rate', { source }, { scope, fingerprint, strikes: verdict.strikes, blockedMs: verdict.retryAfterMs });
    else refusals.add('connection-rate');
    socket.destroy();
    return false;
  }

  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (cause) {
    broker.close();
    throw new AppError('MQTT_BROKER_START_FAILED', { detail: `mqtt: cannot listen on ${options.host}:${options.port}`, cause });
  }
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    refusals,
    connectedCount: () => connected.size,
    devicesWaiting: () => gate.devicesWaiting,
    disconnectDevice(deviceId, reason = 'revoked') {
      const client = connected.get(deviceId);
      if (!client) return false;
      const session = sessions.get(client);
      events.emit({
        type: 'mqtt.connection.cut',
        severity: 'high',
        reason,
        deviceId,
        ...(session ? { orgId: session.device.orgId, source: session.source } : {}),
      });
      sockets.get(client.conn)?.destroy();
      client.close();
      return true;
    },
    async deliverCommand(deviceId, command) {
      const client = connected.get(deviceId);
      const topic = deviceTopic(deviceId, 'commands');
      if (!client || !sessions.has(client) || !Object.hasOwn((client as Client & { subscriptions: Record<string, unknown> }).subscriptions, topic)) return false;
      const packet = { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(command)), qos: 1, retain: false, dup: false } as PublishPacket;
      await new Promise<void>((resolve, reject) => broker.publish(packet, (error) => (error ? reject(error) : resolve())));
      return true;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await closed;
    },
  };
}
