/**
 * A Vigil device connection: mutual-TLS MQTT to the Vigil broker, store-and-forward telemetry
 * through the outbox, and the command handler.
 *
 * MUST: TLS 1.2+, the broker authenticated by the given CA (`rejectUnauthorized` is never off),
 *       the device authenticated by its enrolled certificate (FDA premarket guidance App. 1 A;
 *       HIPAA §164.312(e)(1)); the MQTT client id is the device id (the broker refuses others).
 * MUST: telemetry is published only from the outbox, QoS 1, in seq order, and is removed from it
 *       only on PUBACK (MQTT 3.1.1 §4.3.2). After every (re)connect all unacknowledged messages
 *       are sent again from the oldest; the server deduplicates by seq.
 * MUST: reconnects use bounded exponential back-off with full jitter (backoff.ts).
 * MUST: with `transport: 'https'` (devices that do not speak MQTT) telemetry goes one message at
 *       a time, oldest first, to `POST /api/v1/devices/telemetry` over mutual TLS; a 2xx removes it
 *       from the outbox; a refusal of that message itself (400, 409, 413, 422) removes it and is
 *       reported ('rejected'), since resending can never succeed; anything else is retried with
 *       back-off. There are no commands over HTTPS (no push channel).
 * MUST: the device subscribes only to its own commands topic, and publishes only to its own
 *       telemetry and acks topics; nothing is retained and there is no will message.
 * MUST: every message is checked with @vigil/protocol's parseTelemetry before it is journaled:
 *       a message the server would refuse must not block the outbox; a message that still goes
 *       unacknowledged connection after connection is reported ('delivery-stalled'), never dropped.
 * MUST: every command ack is published QoS 1 and kept (in memory, bounded) until its PUBACK, and
 *       published again after a reconnect: the command's nonce is spent, so the ack is the only
 *       way the server learns the outcome.
 */
import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Agent } from 'node:https';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { type CommandAck, type CommandEnvelope, deviceTopic, parseTelemetry, type Reading, type TelemetryEnvelope } from '@vigil/protocol';
import { backoffDelay, isServerUnavailable, reconnectDelay, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';
import { CommandDispatcher, type CommandHandler } from './command-handler.js';
import { type DeviceKey, loadDeviceKey } from './device-key.js';
import { type DeviceIdentity, loadIdentity } from './enroll.js';
import { httpsJson } from './https-json.js';
import { NonceCache } from './nonce-cache.js';
import { completeRenewal, renew } from './renew.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { DeviceSdkError } from './sdk-error.js';
import { statePaths } from './state-dir.js';
import { signTelemetry } from './telemetry-signature.js';
import type { AttestationAnswer } from './updates/attestation.js';
import { ConnectAttestation, type RunningFirmware } from './updates/connect-attestation.js';

export interface VigilDeviceOptions {
  readonly stateDir: string;
  /** PEM of the CA that issued the broker's certificate (Vigil's root CA). */
  readonly caCertificate: string;
  /** mqtts://host:port; default: the enrolment server's host and the port it returned. */
  readonly mqttUrl?: string;
  /** Sign every envelope with the device key (models that require authenticated telemetry). */
  readonly signTelemetry?: boolean;
  readonly keepaliveSeconds?: number;
  readonly connectTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Unacknowledged QoS 1 publishes on the wire at once. Default 32. */
  readonly maxInFlight?: number;
  readonly outbox?: Omit<OutboxOptions, 'dir'>;
  /**
   * Ask the broker to keep the session while offline (MQTT 3.1.1 §3.1.2.4, clean session 0), so
   * that commands sent meanwhile are delivered on reconnect. Default false: telemetry does not
   * need it (the outbox resends), and Vigil's commands carry their own expiry.
   */
  readonly persistentSession?: boolean;
  /** 'mqtt' (default) or 'https' (telemetry only, to POST /api/v1/devices/telemetry). */
  readonly transport?: 'mqtt' | 'https';
  /** Base URL for the HTTPS transport; default: the URL the device enrolled with. */
  readonly httpsUrl?: string;
  /** 4 (MQTT 3.1.1, default; what Vigil's broker speaks) or 5. */
  readonly protocolVersion?: 4 | 5;
  readonly maxCommandTtlMs?: number;
  /** Clock for envelope timestamps and command expiry. */
  readonly now?: () => number;
  /**
   * The running firmware: at every connection the device measures it and sends a signed
   * attestation (POST /api/v1/devices/attestation over mTLS, to `httpsUrl` or the enrolment URL),
   * so Vigil checks its integrity on every connection. Events 'attestation' / 'attestation-error'.
   */
  readonly firmware?: RunningFirmware;
}

export interface DeviceStatus {
  readonly deviceId: string;
  readonly connected: boolean;
  readonly pending: number;
  readonly inFlight: number;
  readonly lastSeq: number;
  readonly acked: number;
  readonly connects: number;
}

export interface VigilDeviceEvents {
  connect: [];
  disconnect: [reason: string];
  /** A telemetry message was acknowledged by the broker. */
  ack: [seq: number];
  /** A command was handled (or refused) and its ack published. */
  command: [ack: CommandAck];
  /** A connection attempt or the connection failed; the device retries on its own. */
  'connection-error': [error: Error];
  /**
   * The oldest unacknowledged message was sent on `attempts` connections in a row and never
   * acknowledged: the server may be refusing it (e.g. a timestamp now outside its window) by
   * closing the connection. The outbox keeps it; the device decides (alarm, service visit).
   */
  'delivery-stalled': [seq: number, attempts: number];
  /** HTTPS transport: the server refused this message itself; it left the outbox. */
  rejected: [seq: number, status: number, code: string | undefined];
  /** The connection's firmware attestation was answered (state: verified, unknown-hash, …; or a refusal status). */
  attestation: [answer: AttestationAnswer];
  /** The connection's firmware attestation could not be measured or sent (the device keeps running). */
  'attestation-error': [error: Error];
}

const MAX_UNSENT_ACKS = 256;
export const TELEMETRY_PATH = '/api/v1/devices/telemetry';
/** HTTPS answers that refuse the message itself (schema, replay, size, range): resending cannot help. */
const REFUSED_MESSAGE_STATUSES = new Set([400, 409, 413, 422]);
/** A connection that lasted this long resets the back-off. */
const STABLE_CONNECTION_MS = 30_000;
/** Connections in a row on which the oldest message went unacknowledged before 'delivery-stalled'. */
export const STALL_ATTEMPTS = 5;

export class VigilDevice extends EventEmitter<VigilDeviceEvents> {
  readonly deviceId: string;

  private readonly options: VigilDeviceOptions;
  private currentIdentity: DeviceIdentity;
  private key: DeviceKey;
  private readonly outbox: Outbox;
  private readonly commands: CommandDispatcher;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private readonly topics: { telemetry: string; acks: string; commands: string };
  private client: MqttClient | undefined;
  private generation = 0;
  private connected = false;
  private started = false;
  private stopping = false;
  private attempt = 0;
  private connectedAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** The last refusal was CONNACK 3 "server unavailable" (the server's storage is failing): wait longer. */
  private serverUnavailable = false;
  private cursor = 0;
  private readonly inFlight = new Set<number>();
  private ackedCount = 0;
  private connects = 0;
  private drainWaiters: Array<(drained: boolean) => void> = [];
  /** Command acks not yet acknowledged by the broker, resent after a reconnect (bounded). */
  private readonly unsentAcks = new Map<string, CommandAck>();
  private readonly acksInFlight = new Set<string>();
  private firstSendPending = false;
  private head = { seq: 0, attempts: 0 };
  private httpsAgent: Agent | undefined;
  private httpsRequest: Promise<void> | undefined;
  private readonly attestation: ConnectAttestation | undefined;

  private constructor(options: VigilDeviceOptions, identity: DeviceIdentity, key: DeviceKey, outbox: Outbox, nonces: NonceCache) {
    super();
    this.options = options;
    this.currentIdentity = identity;
    this.deviceId = identity.deviceId;
    this.key = key;
    this.outbox = outbox;
    this.now = options.now ?? Date.now;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 32);
    this.commands = new CommandDispatcher({ nonces, now: this.now, ...(options.maxCommandTtlMs !== undefined ? { maxTtlMs: options.maxCommandTtlMs } : {}) });
    this.topics = {
      telemetry: deviceTopic(identity.deviceId, 'telemetry'),
      acks: deviceTopic(identity.deviceId, 'acks'),
      commands: deviceTopic(identity.deviceId, 'commands'),
    };
    outbox.onAppend = () => this.pump();
    this.attestation = options.firmware === undefined ? undefined : new ConnectAttestation(options.firmware);
  }

  /**
   * Measures the running firmware and sends a signed attestation now (also done at every
   * connection when `firmware` is set). Resolves with Vigil's answer.
   */
  attest(): Promise<AttestationAnswer> {
    if (this.attestation === undefined) return Promise.reject(new TypeError('VigilDevice: no `firmware` option to attest'));
    return this.attestation.send({
      deviceId: this.deviceId,
      baseUrl: this.options.httpsUrl ?? this.currentIdentity.serverUrl,
      caCertificate: this.options.caCertificate,
      certPem: [this.currentIdentity.certificatePem, ...this.currentIdentity.chainPem.slice(0, -1)].join(''),
      privateKey: this.key.privateKey,
    });
  }

  private attestOnConnect(): void {
    if (this.attestation === undefined || this.stopping) return;
    this.attest().then(
      (answer) => this.emit('attestation', answer),
      (error: unknown) => this.emit('attestation-error', error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Opens an enrolled device's state (identity, key, outbox, nonces). Does not connect yet. */
  static async open(options: VigilDeviceOptions): Promise<VigilDevice> {
    await completeRenewal(options.stateDir);
    const identity = await loadIdentity(options.stateDir);
    const key = await loadDeviceKey(options.stateDir);
    if (identity === undefined || key === undefined) {
      throw new DeviceSdkError('NOT_ENROLLED', `no enrolled device in ${options.stateDir}; call enroll() first`);
    }
    if (options.mqttUrl !== undefined && new URL(options.mqttUrl).protocol !== 'mqtts:') {
      throw new TypeError('the MQTT URL must be mqtts: (TLS is mandatory)');
    }
    const paths = statePaths(options.stateDir);
    const outbox = await Outbox.open({ ...options.outbox, dir: paths.outboxDir });
    const nonces = await NonceCache.open(paths.noncesFile);
    return new VigilDevice(options, identity, key, outbox, nonces);
  }

  /** The enrolled identity: device id, certificate and chain currently in use. */
  get identity(): DeviceIdentity {
    return this.currentIdentity;
  }

  /** When the current device certificate expires: renew before (see renewCertificate). */
  certificateExpiresAt(): Date {
    return new Date(new X509Certificate(this.currentIdentity.certificatePem).validTo);
  }

  /**
   * Renews the device certificate with a new key (renew.ts) and reconnects with it. Messages
   * already journaled keep the signature they were made with.
   */
  async renewCertificate(options: { readonly url?: string; readonly timeoutMs?: number } = {}): Promise<DeviceIdentity> {
    const identity = await renew({ stateDir: this.options.stateDir, caCertificate: this.options.caCertificate, ...options });
    const key = await loadDeviceKey(this.options.stateDir);
    if (key === undefined) throw new DeviceSdkError('STATE_INVALID', 'the device key disappeared during renewal');
    this.currentIdentity = identity;
    this.key = key;
    // Reconnect so that the broker sees the new certificate.
    this.client?.end(true);
    return identity;
  }

  /** Registers the handler of command `name`. Unregistered names are refused 'unknown-command'. */
  onCommand(name: string, handler: CommandHandler): this {
    this.commands.on(name, handler);
    return this;
  }

  /** Connects, and keeps reconnecting until `close()`. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    if (this.options.transport === 'https') {
      this.httpsAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      // HTTPS devices have no connection event: they attest when they start.
      this.attestOnConnect();
      this.httpsPump();
    } else {
      this.connectOnce();
    }
    return this;
  }

  /** Resolves at the first successful connection (or rejects after `timeoutMs`). */
  waitForConnect(timeoutMs = 30_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connect', onConnect);
        reject(new Error(`not connected within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connect', onConnect);
    });
  }

  /**
   * Queues one telemetry message: assigns the next seq, signs it when configured, checks it
   * against the protocol, journals it durably, and sends it when connected. Resolves with the
   * envelope once it is durable (not once it is acknowledged; see `waitForDrain`).
   */
  async sendReadings(readings: readonly Reading[], measuredAt: Date = new Date(this.now())): Promise<TelemetryEnvelope> {
    let envelope: TelemetryEnvelope | undefined;
    await this.outbox.append((seq) => {
      const unsigned: TelemetryEnvelope = { v: 1, deviceId: this.deviceId, seq, ts: measuredAt.toISOString(), readings: readings.map((r) => ({ metric: r.metric, value: r.value, unit: r.unit })) };
      const candidate = this.options.signTelemetry === true ? { ...unsigned, sig: signTelemetry(unsigned, this.key.privateKey) } : unsigned;
      const checked = parseTelemetry(candidate);
      if (!checked.ok) throw new DeviceSdkError('TELEMETRY_INVALID', `telemetry refused before sending (${checked.reason}): ${checked.detail}`);
      envelope = checked.value;
      return JSON.stringify(candidate);
    });
    return envelope as TelemetryEnvelope;
  }

  /** Resolves true once the outbox is empty (everything acknowledged), false after `timeoutMs`. */
  waitForDrain(timeoutMs = 30_000): Promise<boolean> {
    if (this.outbox.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.drainWaiters = this.drainWaiters.filter((w) => w !== onDrain);
        resolve(drained);
      };
      const onDrain = (drained: boolean) => done(drained);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.drainWaiters.push(onDrain);
    });
  }

  status(): DeviceStatus {
    return {
      deviceId: this.deviceId,
      connected: this.connected,
      pending: this.outbox.pending,
      inFlight: this.inFlight.size,
      lastSeq: this.outbox.lastSeq,
      acked: this.ackedCount,
      connects: this.connects,
    };
  }

  /** Stops reconnecting, closes the connection and the outbox. Unacknowledged messages stay on disk. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.generation++;
    this.connected = false;
    this.inFlight.clear();
    if (client !== undefined) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    this.httpsAgent?.destroy();
    await this.httpsRequest;
    await this.outbox.close();
    for (const w of this.drainWaiters.splice(0)) w(false);
  }

  private mqttUrl(): string {
    if (this.options.mqttUrl !== undefined) return this.options.mqttUrl;
    const server = new URL(this.currentIdentity.serverUrl);
    return `mqtts://${server.hostname}:${this.currentIdentity.mqttPort}`;
  }

  private connectOnce(): void {
    if (this.stopping) return;
    const generation = ++this.generation;
    const url = new URL(this.mqttUrl());
    const options: IClientOptions & { minVersion: 'TLSv1.2'; noDelay: boolean } = {
      clientId: this.deviceId,
      protocolVersion: this.options.protocolVersion ?? 4,
      clean: this.options.persistentSession !== true,
      keepalive: this.options.keepaliveSeconds ?? 30,
      connectTimeout: this.options.connectTimeoutMs ?? 15_000,
      // Reconnects are ours (back-off with jitter, a fresh client and store each time).
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      ca: this.options.caCertificate,
      cert: [this.currentIdentity.certificatePem, ...this.currentIdentity.chainPem.slice(0, -1)].join(''),
      key: this.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      // No Nagle delay on our small publishes and acks (the server sets TCP_NODELAY too).
      noDelay: true,
    };
    const client = connect(url.toString(), options);
    this.client = client;
    client.on('connect', () => {
      if (generation !== this.generation) return;
      this.connected = true;
      this.connectedAt = Date.now();
      this.connects++;
      this.cursor = 0;
      this.inFlight.clear();
      this.acksInFlight.clear();
      this.firstSendPending = true;
      client.subscribe(this.topics.commands, { qos: 1 }, (error, granted) => {
        if (generation !== this.generation) return;
        if (error) this.emit('connection-error', error);
        // MQTT 3.1.1 §3.9.3: 0x80 in the SUBACK is a refusal; commands would never arrive.
        else if (granted?.some((g) => g.qos === 128)) this.emit('connection-error', new Error(`the broker refused the subscription to ${this.topics.commands}`));
      });
      this.emit('connect');
      this.attestOnConnect();
      this.pump();
      this.flushAcks();
    });
    client.on('message', (topic, payload) => {
      if (generation !== this.generation || topic !== this.topics.commands) return;
      void this.handleCommand(payload);
    });
    client.on('error', (error) => {
      if (generation !== this.generation) return;
      if (isServerUnavailable(error)) this.serverUnavailable = true;
      this.emit('connection-error', error);
    });
    client.on('close', () => {
      if (generation !== this.generation) return;
      const wasConnected = this.connected;
      this.connected = false;
      this.inFlight.clear();
      client.end(true);
      // Back-off restarts only after a connection that lasted: a server that accepts and then
      // drops the device at once must not be hammered at the first-retry rate.
      if (wasConnected && Date.now() - this.connectedAt >= STABLE_CONNECTION_MS) this.attempt = 0;
      if (wasConnected) this.emit('disconnect', 'connection closed');
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer !== undefined) return;
    const delay = reconnectDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF, this.serverUnavailable);
    this.serverUnavailable = false;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectOnce();
    }, delay);
  }

  /** Sends the next unacknowledged messages, oldest first, up to the in-flight window. */
  private pump(): void {
    if (this.options.transport === 'https') return this.httpsPump();
    const client = this.client;
    if (!this.connected || client === undefined) return;
    const generation = this.generation;
    while (this.inFlight.size < this.maxInFlight) {
      const entry = this.outbox.nextAfter(this.cursor);
      if (entry === undefined) break;
      if (this.firstSendPending) this.countHeadAttempt(entry.seq);
      this.cursor = entry.seq;
      this.inFlight.add(entry.seq);
      client.publish(this.topics.telemetry, entry.payload, { qos: 1, retain: false }, (error) => {
        if (generation !== this.generation) return;
        this.inFlight.delete(entry.seq);
        if (error) return; // the connection is going away; resent after the reconnect
        this.outbox.ack(entry.seq);
        this.ackedCount++;
        this.emit('ack', entry.seq);
        if (this.outbox.pending === 0) for (const w of this.drainWaiters.splice(0)) w(true);
        this.pump();
      });
    }
  }

  private async handleCommand(payload: Buffer): Promise<void> {
    let ack: CommandAck | undefined;
    try {
      ack = await this.commands.dispatch(payload);
    } catch (error) {
      // The nonce could not be recorded durably: do not run or acknowledge; the server may retry.
      this.emit('connection-error', error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (ack === undefined) return;
    this.unsentAcks.set(`${ack.commandId}\u0000${ack.nonce}`, ack);
    // Bounded: the oldest result goes first (its command's nonce is spent either way).
    while (this.unsentAcks.size > MAX_UNSENT_ACKS) this.unsentAcks.delete(this.unsentAcks.keys().next().value as string);
    this.flushAcks();
  }

  /** Publishes every command ack not yet acknowledged by the broker (QoS 1). */
  private flushAcks(): void {
    const client = this.client;
    if (!this.connected || client === undefined) return;
    const generation = this.generation;
    for (const [key, ack] of this.unsentAcks) {
      if (this.acksInFlight.has(key)) continue;
      this.acksInFlight.add(key);
      client.publish(this.topics.acks, JSON.stringify(ack), { qos: 1, retain: false }, (error) => {
        if (generation !== this.generation) return;
        this.acksInFlight.delete(key);
        if (error) return;
        this.unsentAcks.delete(key);
        this.emit('command', ack);
      });
    }
  }

  /** HTTPS transport: posts the oldest unacknowledged message; one request at a time, in order. */
  private httpsPump(): void {
    if (!this.started || this.stopping || this.httpsRequest !== undefined || this.reconnectTimer !== undefined) return;
    const entry = this.outbox.nextAfter(0);
    if (entry === undefined) return;
    this.inFlight.add(entry.seq);
    this.httpsRequest = httpsJson({
      url: new URL(TELEMETRY_PATH, this.options.httpsUrl ?? this.currentIdentity.serverUrl),
      method: 'POST',
      caCertificate: this.options.caCertificate,
      rawBody: entry.payload,
      clientCert: { certPem: [this.currentIdentity.certificatePem, ...this.currentIdentity.chainPem.slice(0, -1)].join(''), keyPem: this.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
      ...(this.httpsAgent !== undefined ? { agent: this.httpsAgent } : {}),
      ...(this.options.connectTimeoutMs !== undefined ? { timeoutMs: this.options.connectTimeoutMs } : {}),
    }).then(
      (response) => this.onHttpsResponse(entry.seq, response.status, response.body),
      (error: unknown) => this.onHttpsFailure(error instanceof Error ? error : new Error(String(error))),
    );
  }

  private onHttpsResponse(seq: number, status: number, body: unknown): void {
    this.httpsRequest = undefined;
    this.inFlight.delete(seq);
    if (this.stopping) return;
    if (status >= 200 && status <= 299) {
      if (!this.connected) {
        this.connected = true;
        this.connects++;
        this.emit('connect');
      }
      this.attempt = 0;
      this.outbox.ack(seq);
      this.ackedCount++;
      this.emit('ack', seq);
    } else if (REFUSED_MESSAGE_STATUSES.has(status)) {
      const error = typeof body === 'object' && body !== null ? (body as { error?: { code?: unknown } }).error : undefined;
      this.outbox.ack(seq);
      this.emit('rejected', seq, status, typeof error?.code === 'string' ? error.code : undefined);
    } else {
      return this.onHttpsFailure(new Error(`telemetry POST answered HTTP ${status}`));
    }
    if (this.outbox.pending === 0) for (const w of this.drainWaiters.splice(0)) w(true);
    this.httpsPump();
  }

  private onHttpsFailure(error: Error): void {
    this.httpsRequest = undefined;
    this.inFlight.clear();
    if (this.stopping) return;
    if (this.connected) {
      this.connected = false;
      this.emit('disconnect', error.message);
    }
    this.emit('connection-error', error);
    const delay = backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.httpsPump();
    }, delay);
  }

  private countHeadAttempt(seq: number): void {
    this.firstSendPending = false;
    this.head = seq === this.head.seq ? { seq, attempts: this.head.attempts + 1 } : { seq, attempts: 1 };
    if (this.head.attempts >= STALL_ATTEMPTS) this.emit('delivery-stalled', seq, this.head.attempts);
  }
}

export type { CommandEnvelope };
