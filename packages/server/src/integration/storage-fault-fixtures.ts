/**
 * Fixtures for the storage-fault tests (issue 17): an in-process Vigil server with a fake device
 * registry and a capturing logger, devices that stream QoS 1 telemetry through outages (resending
 * what was not acknowledged, backing off on refusals like the SDK), /readyz, and the final check
 * that every acknowledged message is stored exactly once.
 */
import { request } from 'node:https';
import { Writable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { deviceTopic } from '@vigil/protocol';
import type { MqttClient } from 'mqtt';
import { validate, type Config } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { MemorySecurityEventSink } from '../kernel/index.js';
import { initialize, isInitialized, openPlatform, startServer, type Platform, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { FakeDeviceRegistry, makeDevicePki, type IssuedCert } from './device-pki.js';
import { connectDevice, envelope } from './mqtt-clients.js';

export interface CapturedLog {
  lines(): Record<string, unknown>[];
}

export interface FaultServer {
  readonly platform: Platform;
  readonly server: RunningServer;
  readonly log: CapturedLog;
  readonly serverCaPem: string;
  readonly devices: StreamingDevice[];
  close(): Promise<void>;
}

export async function startFaultServer(options: { dataDir: string; databaseUrl?: string; devices: number; config?: Record<string, unknown> }): Promise<FaultServer> {
  const { config } = validate({
    dataDir: options.dataDir,
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    logLevel: 'info',
    httpPort: 0,
    mqttPort: 0,
    telemetry: { groupCommitMs: 2 },
    mqtt: { messagesPerSecond: 1000, burst: 1000, storageHoldSeconds: 30 },
    ...options.config,
  });
  if (!(await isInitialized(config))) await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const pki = await makeDevicePki();
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  const devices: StreamingDevice[] = [];
  for (let i = 0; i < options.devices; i += 1) {
    const id = `device-fault-${String(i).padStart(4, '0')}`;
    registry.add(id);
    devices.push(new StreamingDevice(id, await pki.device(id)));
  }
  const server = await startServer(platform, logger, {
    devices: { authenticator: registry, caPem: pki.deviceCa.certPem, directory: registry },
    securityEvents: new MemorySecurityEventSink(),
  });
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  return {
    platform,
    server,
    serverCaPem,
    devices,
    log: { lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) },
    close: () => server.close(),
  };
}

export function configFor(dataDir: string, databaseUrl?: string): Config {
  return validate({ dataDir, ...(databaseUrl !== undefined ? { databaseUrl } : {}) }).config;
}

/** GET /readyz: status and body. */
export function readyz(port: number, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', ca, servername: 'localhost', timeout: 4000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** POST a JSON body; status and the error code of the answer, if any. */
export function postJson(port: number, ca: string, path: string, body: unknown): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', ca, servername: 'localhost', timeout: 8000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, code: undefined }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

/** Polls /readyz until `want` (true: 200, false: 503) or the timeout; returns the time it took (ms) or -1. */
export async function waitReady(port: number, ca: string, want: boolean, timeoutMs: number): Promise<{ ms: number; body: string }> {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < timeoutMs) {
    const { status, body } = await readyz(port, ca);
    last = body;
    if ((want && status === 200) || (!want && status === 503)) return { ms: Date.now() - start, body };
    await sleep(100);
  }
  return { ms: -1, body: last };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A device that streams QoS 1 telemetry until stopped: it resends what was not acknowledged after
 * each reconnect, and backs off on a refused connection (250 ms doubling to 2 s), as the SDK does.
 */
export class StreamingDevice {
  readonly sent = new Map<number, string>();
  readonly acked = new Set<number>();
  /** Epoch ms of each connection attempt, and their outcomes. */
  readonly attempts: number[] = [];
  readonly refusals: string[] = [];
  next = 1;
  #stopping = false;
  #running: Promise<void> | undefined;

  constructor(
    readonly id: string,
    readonly cert: IssuedCert,
  ) {}

  payload(seq: number): string {
    let body = this.sent.get(seq);
    if (!body) this.sent.set(seq, (body = JSON.stringify(envelope(this.id, seq, new Date(), 60 + (seq % 40)))));
    return body;
  }

  start(port: number, serverCaPem: string, messagesPerSecond = 50): void {
    this.#running = this.#loop(port, serverCaPem, messagesPerSecond);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
  }

  async #loop(port: number, serverCaPem: string, rate: number): Promise<void> {
    let backoff = 250;
    while (!this.#stopping) {
      this.attempts.push(Date.now());
      const c = await connectDevice({ port, serverCaPem, cert: this.cert, clientId: this.id, extra: { keepalive: 10 } }, 4000);
      if (!c.ok) {
        this.refusals.push(c.error);
        await sleep(backoff);
        backoff = Math.min(2000, backoff * 2);
        continue;
      }
      backoff = 250;
      await this.#stream(c.client, rate);
      c.client.end(true);
    }
  }

  async #stream(client: MqttClient, rate: number): Promise<void> {
    const topic = deviceTopic(this.id, 'telemetry');
    const lost = new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
    const publish = (seq: number): Promise<void> =>
      Promise.race([
        client.publishAsync(topic, this.payload(seq), { qos: 1 }).then(
          () => void this.acked.add(seq),
          () => undefined,
        ),
        lost,
      ]);
    const inflight = new Set<Promise<void>>();
    const track = (p: Promise<void>): void => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    };
    for (const seq of [...this.sent.keys()].filter((s) => !this.acked.has(s)).sort((a, b) => a - b)) {
      if (!client.connected || this.#stopping) break;
      track(publish(seq));
      if (inflight.size >= 8) await Promise.race(inflight);
    }
    while (client.connected && !this.#stopping) {
      track(publish(this.next++));
      await sleep(1000 / rate);
      if (inflight.size >= 8) await Promise.race([...inflight, lost]);
    }
    await Promise.race([Promise.all(inflight), sleep(3000)]);
  }
}

/** Every acknowledged seq is stored, none twice, and nothing stored was never sent. */
export async function checkStoredExactlyOnce(database: SqlDatabase, devices: readonly StreamingDevice[]): Promise<{ acked: number; stored: number; problems: string[] }> {
  const problems: string[] = [];
  let acked = 0;
  let stored = 0;
  for (const d of devices) {
    const rows = await database.db.selectFrom('telemetry_readings').select(['seq']).where('device_id', '=', d.id).where('idx', '=', 0).execute();
    const seqs = rows.map((r) => Number(r.seq));
    if (new Set(seqs).size !== seqs.length) problems.push(`${d.id}: a seq stored twice`);
    const set = new Set(seqs);
    for (const seq of d.acked) if (!set.has(seq)) problems.push(`${d.id}: acknowledged seq ${seq} not stored`);
    for (const seq of seqs) if (!d.sent.has(seq)) problems.push(`${d.id}: stored seq ${seq} never sent`);
    acked += d.acked.size;
    stored += seqs.length;
  }
  return { acked, stored, problems };
}

export { makeDevicePki };
