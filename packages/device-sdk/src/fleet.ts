/**
 * The simulated fleet behind `vigil-sim`, `vigil demo` and the bench: N virtual devices, each
 * enrolled once (its state directory is reused on later runs), each sending the vitals of its
 * VitalsModel through the SDK (outbox, mTLS MQTT) at a fixed rate.
 *
 * MUST: a simulated device is an ordinary SDK device: same enrolment, same TLS, same outbox; the
 *       simulator has no back door into the server.
 * MUST: enrolment tokens are spent only for devices not yet enrolled, and are never written to
 *       disk or logs.
 */
import { join } from 'node:path';
import type { BackoffPolicy } from './backoff.js';
import { enroll, loadIdentity } from './enroll.js';
import { httpsJson } from './https-json.js';
import type { OutboxOptions } from './outbox.js';
import { DeviceSdkError } from './sdk-error.js';
import { type Episode, type EpisodeKind, VitalsModel } from './vitals-generator.js';
import { VigilDevice } from './vigil-device.js';

export interface FleetOptions {
  /** Vigil's HTTPS base URL; needed to enrol devices that have no state yet. */
  readonly url?: string;
  /** mqtts://host:port; default: from the enrolment response. */
  readonly mqttUrl?: string;
  /** PEM of Vigil's root CA (trusts both the HTTPS and the MQTT server certificates). */
  readonly caCertificate: string;
  /** Device i keeps its state in <stateDir>/device-<i>. */
  readonly stateDir: string;
  readonly devices: number;
  /** Messages per second per device (each message carries all six vitals). */
  readonly ratePerSecond: number;
  /** Stop after this long; undefined runs until stop(). */
  readonly durationMs?: number;
  /** One-time enrolment tokens, used in order by devices that are not enrolled yet. */
  readonly tokens?: readonly string[];
  /** Mints a token when `tokens` runs out (e.g. mintEnrollmentToken with a service token). */
  readonly mintToken?: () => Promise<string>;
  readonly serialPrefix?: string;
  readonly firmwareVersion?: string;
  readonly seed?: number | string;
  readonly meanEpisodeGapMs?: number;
  readonly firstEpisodeAfterMs?: number;
  readonly episodeKinds?: readonly EpisodeKind[];
  /** The epoch ms the episode schedules start at. Default: when sending starts (after enrolment). */
  readonly startMs?: number;
  readonly signTelemetry?: boolean;
  /** 'mqtt' (default) or 'https' (POST /api/v1/devices/telemetry with the device certificate). */
  readonly transport?: 'mqtt' | 'https';
  readonly outbox?: Omit<OutboxOptions, 'dir'>;
  readonly backoff?: BackoffPolicy;
  readonly maxInFlight?: number;
  /** Called when a device's sample first falls inside an episode, and when it first falls outside again. */
  readonly onEpisode?: (event: FleetEpisodeEvent) => void;
  /** Progress and problems, one line each, for a CLI to print. */
  readonly log?: (line: string) => void;
  /** Called for each device once it is open, before it starts (e.g. to register command handlers). */
  readonly setupDevice?: (device: VigilDevice, index: number, stateDir: string) => Promise<void>;
}

export interface FleetEpisodeEvent {
  readonly phase: 'start' | 'end';
  readonly deviceIndex: number;
  readonly deviceId: string;
  readonly episode: Episode;
}

export interface FleetStats {
  readonly devices: number;
  readonly connected: number;
  /** Messages journaled (accepted by the outboxes). */
  readonly queued: number;
  /** Messages acknowledged by the broker (after the server's durable commit). */
  readonly acked: number;
  readonly pending: number;
  /** Messages the outbox refused (full) or that failed to queue. */
  readonly refused: number;
  readonly elapsedMs: number;
}

export interface Fleet {
  readonly devices: readonly VigilDevice[];
  /** The vitals model of device i: its episode schedule predicts the alerts the demo will see. */
  readonly models: readonly VitalsModel[];
  readonly startMs: number;
  stats(): FleetStats;
  /** Stops sending; waits up to drainMs (default 5 s) for acknowledgements; closes the devices. */
  stop(options?: { readonly drainMs?: number }): Promise<void>;
  /** Resolves when the fleet stopped (duration elapsed or stop()). */
  readonly done: Promise<void>;
}

export function deviceStateDir(stateDir: string, index: number): string {
  return join(stateDir, `device-${index}`);
}

export function simulatedSerial(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}`;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if (!Number.isInteger(options.devices) || options.devices < 1) throw new TypeError('devices must be a positive integer');
  if (!(options.ratePerSecond > 0)) throw new TypeError('ratePerSecond must be positive');
  const log = options.log ?? (() => undefined);
  const tokens = [...(options.tokens ?? [])];
  const devices: VigilDevice[] = [];
  const models: VitalsModel[] = [];
  let queued = 0;
  let refused = 0;
  try {
    for (let i = 0; i < options.devices; i++) {
      const stateDir = deviceStateDir(options.stateDir, i);
      if ((await loadIdentity(stateDir)) === undefined) {
        if (options.url === undefined) throw new DeviceSdkError('NOT_ENROLLED', `device ${i} has no state in ${stateDir} and no --url to enrol it`);
        const token = tokens.shift() ?? (await options.mintToken?.());
        if (token === undefined) throw new DeviceSdkError('NOT_ENROLLED', `device ${i} is not enrolled and there is no enrolment token left for it`);
        const identity = await enroll({
          url: options.url,
          token,
          serial: simulatedSerial(options.serialPrefix ?? 'SIM', i),
          firmwareVersion: options.firmwareVersion ?? 'vigil-sim-0.1.0',
          caCertificate: options.caCertificate,
          stateDir,
        });
        log(`enrolled device ${i} as ${identity.deviceId}`);
      }
      const device = await VigilDevice.open({
        stateDir,
        caCertificate: options.caCertificate,
        ...(options.mqttUrl !== undefined ? { mqttUrl: options.mqttUrl } : {}),
        ...(options.signTelemetry !== undefined ? { signTelemetry: options.signTelemetry } : {}),
        ...(options.transport !== undefined ? { transport: options.transport } : {}),
        ...(options.outbox !== undefined ? { outbox: options.outbox } : {}),
        ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
        ...(options.maxInFlight !== undefined ? { maxInFlight: options.maxInFlight } : {}),
      });
      device.on('connection-error', (error) => log(`device ${i} (${device.deviceId}): ${error.message}`));
      devices.push(device);
      await options.setupDevice?.(device, i, stateDir);
    }
  } catch (error) {
    await Promise.all(devices.map((d) => d.close()));
    throw error;
  }
  // The schedules start when sending starts (enrolling a large fleet takes a while).
  const startMs = options.startMs ?? Date.now();
  for (let i = 0; i < devices.length; i++) {
    models.push(
      new VitalsModel({
        seed: options.seed ?? 1,
        deviceIndex: i,
        startMs,
        ...(options.meanEpisodeGapMs !== undefined ? { meanEpisodeGapMs: options.meanEpisodeGapMs } : {}),
        ...(options.firstEpisodeAfterMs !== undefined ? { firstEpisodeAfterMs: options.firstEpisodeAfterMs } : {}),
        ...(options.episodeKinds !== undefined ? { episodeKinds: options.episodeKinds } : {}),
      }),
    );
  }

  const intervalMs = 1000 / options.ratePerSecond;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  devices.forEach((device, i) => {
    device.start();
    const model = models[i] as VitalsModel;
    // Spread the devices over one interval so the fleet does not send in bursts.
    let nextAt = Date.now() + (intervalMs * i) / devices.length;
    let lastEpisode: Episode | undefined;
    const tick = () => {
      if (stopped) return;
      const now = Date.now();
      const sample = model.at(now);
      if (sample.episode !== lastEpisode) {
        if (lastEpisode !== undefined) options.onEpisode?.({ phase: 'end', deviceIndex: i, deviceId: device.deviceId, episode: lastEpisode });
        if (sample.episode !== undefined) options.onEpisode?.({ phase: 'start', deviceIndex: i, deviceId: device.deviceId, episode: sample.episode });
        lastEpisode = sample.episode;
      }
      device.sendReadings(sample.readings, new Date(now)).then(
        () => {
          queued++;
        },
        (error: unknown) => {
          refused++;
          if (refused <= 10 || refused % 1000 === 0) log(`device ${i}: reading refused: ${(error as Error).message}`);
        },
      );
      nextAt += intervalMs;
      // Fall behind rather than burst after a stall (a real sensor samples, it does not catch up).
      if (nextAt < now) nextAt = now + intervalMs;
      schedule();
    };
    const schedule = () => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        tick();
      }, Math.max(0, nextAt - Date.now()));
      timers.add(timer);
    };
    schedule();
  });

  const stats = (): FleetStats => {
    let connected = 0;
    let acked = 0;
    let pending = 0;
    for (const d of devices) {
      const s = d.status();
      if (s.connected) connected++;
      acked += s.acked;
      pending += s.pending;
    }
    return { devices: devices.length, connected, queued, acked, pending, refused, elapsedMs: Date.now() - startMs };
  };

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { readonly drainMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const drainMs = stopOptions.drainMs ?? 5_000;
      if (drainMs > 0) await Promise.all(devices.map((d) => d.waitForDrain(drainMs)));
      await Promise.all(devices.map((d) => d.close()));
      resolveDone();
    })();
    return stopping;
  };
  if (options.durationMs !== undefined && options.durationMs > 0) {
    const timer = setTimeout(() => void stop(), options.durationMs);
    timer.unref();
  }
  return { devices, models, startMs, stats, stop, done };
}

export interface MintTokenOptions {
  readonly url: string;
  readonly caCertificate: string;
  /** A service-account bearer token with the devices:enroll-token scope (or an admin's). */
  readonly apiToken: string;
  readonly model: string;
  readonly expiresInMinutes?: number;
}

/** Issues one enrolment token through `POST /api/v1/devices/enrollment-tokens`. */
export async function mintEnrollmentToken(options: MintTokenOptions): Promise<string> {
  const response = await httpsJson({
    url: new URL('/api/v1/devices/enrollment-tokens', options.url),
    method: 'POST',
    caCertificate: options.caCertificate,
    headers: { authorization: `Bearer ${options.apiToken}` },
    body: { model: options.model, ...(options.expiresInMinutes !== undefined ? { expiresInMinutes: options.expiresInMinutes } : {}) },
  });
  const token = typeof response.body === 'object' && response.body !== null ? (response.body as Record<string, unknown>).token : undefined;
  if (response.status < 200 || response.status > 299 || typeof token !== 'string') {
    throw new DeviceSdkError('ENROLL_REJECTED', `could not issue an enrolment token (HTTP ${response.status})`, { status: response.status });
  }
  return token;
}
