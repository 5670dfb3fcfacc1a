/**
 * `vigil-sim`: runs a fleet of simulated devices against a Vigil server.
 *
 *   vigil-sim --url https://localhost:8443 --ca vigil-data/ca/root.pem --devices 10 --rate 1 \
 *             --token-file tokens.txt --duration 10m
 *
 * MUST: tokens are read from flags, a file or minted with a service token; they are never echoed.
 * MUST: Ctrl-C stops sending, waits briefly for acknowledgements, closes every connection and
 *       exits 0; a second Ctrl-C exits at once (unacknowledged readings stay in the outboxes and
 *       are sent on the next run).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type FleetEpisodeEvent, type FleetOptions, mintEnrollmentToken, startFleet } from './fleet.js';
import { simulatedFirmware, type SimulatedFirmwareOptions } from './updates/simulated-firmware.js';
import { EPISODE_KINDS, type EpisodeKind } from './vitals-generator.js';

export const USAGE = `Usage: vigil-sim [options]

Runs N simulated devices sending vitals (heart rate, SpO2, blood pressure, temperature,
respiratory rate) with occasional abnormal episodes, over mutual-TLS MQTT, through the SDK.

  --url URL               Vigil HTTPS base URL (to enrol devices), e.g. https://localhost:8443
  --mqtt-url URL          MQTT URL (default: host of --url, port from enrolment), e.g. mqtts://localhost:8883
  --ca FILE               Vigil root CA certificate (PEM) to trust the servers (required)
  --state-dir DIR         device state (keys, certificates, outboxes) [./vigil-sim-state]
  --devices N             number of devices [1]
  --rate R                messages per second per device [1]
  --duration D            stop after D (e.g. 90s, 10m, 1h; 0 = until Ctrl-C) [0]
  --token T               enrolment token for a device not yet enrolled (repeat, or comma-separate)
  --enroll-token T        same as --token
  --token-file FILE       enrolment tokens, one per line
  --api-token T           service token that mints enrolment tokens when none are left (with --model)
  --model M               device model for minted tokens [vigil-sim]
  --seed S                vitals seed (same seed, same episodes) [1]
  --episode-gap D         mean normal time between a device's episodes [10m]
  --first-episode D       no episode before D after the start [30s]
  --episodes LIST         episode kinds (${EPISODE_KINDS.join(',')}) or "none"
  --print-episodes        print each device's episode schedule for --duration (JSON lines) first
  --sign                  sign telemetry with the device key
  --transport T           mqtt (default) or https (POST /api/v1/devices/telemetry, mTLS)
  --no-fsync              do not fsync the outbox (load tests only)
  --tuf-root FILE         take firmware updates through TUF (1.root.json provisioned at manufacture)
  --firmware-version V    the version the devices run at start (with --tuf-root) [1.0.0]
  --firmware-sha256 HEX   SHA-256 of that image (attested at start)
  --hardware-revision R   the devices' hardware revision [any]
  --fail-install SHARE    share of devices (0..1) whose install fails
  --no-return SHARE       share of devices that never report again after installing
  --tamper SHARE          share of devices that report a tampered image hash
  --quiet                 no periodic statistics
  -h, --help              this help
`;

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new TypeError(`not a duration: ${text}`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h']);
}

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new TypeError(`--${name} must be a positive number`);
  return n;
}

function share(name: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new TypeError(`--${name} must be a share between 0 and 1`);
  return n;
}

/** With --tuf-root: each device answers firmware.update through the SDK and attests at start. */
async function firmwareSetup(values: Record<string, string | boolean | string[] | undefined>, caCertificate: string): Promise<NonNullable<FleetOptions['setupDevice']>> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  const url = str('url');
  const sha = str('firmware-sha256');
  if (url === undefined || sha === undefined || !/^[0-9a-f]{64}$/.test(sha)) throw new TypeError('--tuf-root needs --url and --firmware-sha256 (64 hex)');
  const trustedRoot = await readFile(str('tuf-root') ?? '', 'utf8');
  const options: SimulatedFirmwareOptions = {
    baseUrl: url,
    caCertificate,
    model: str('model') ?? 'vigil-sim',
    version: str('firmware-version') ?? '1.0.0',
    imageSha256: sha,
    hardwareRevision: str('hardware-revision') ?? 'any',
    trustedRoot,
    failInstallShare: share('fail-install', str('fail-install')),
    noReturnShare: share('no-return', str('no-return')),
    tamperShare: share('tamper', str('tamper')),
    seed: str('seed') ?? 1,
  };
  return async (device, index, stateDir) => {
    const firmware = await simulatedFirmware(stateDir, options);
    device.onCommand('firmware.update', firmware.onUpdate);
    device.onCommand('firmware.download', firmware.onDownload);
    const state = await firmware.attest().catch((error: unknown) => `refused (${error instanceof Error ? error.message : String(error)})`);
    process.stderr.write(`vigil-sim: device ${index} (${device.deviceId}) is ${firmware.behaviour}; attestation ${state ?? 'skipped'}\n`);
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      'mqtt-url': { type: 'string' },
      ca: { type: 'string' },
      'state-dir': { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      token: { type: 'string', multiple: true },
      'enroll-token': { type: 'string', multiple: true },
      'token-file': { type: 'string' },
      'api-token': { type: 'string' },
      model: { type: 'string' },
      seed: { type: 'string' },
      'episode-gap': { type: 'string' },
      'first-episode': { type: 'string' },
      episodes: { type: 'string' },
      'print-episodes': { type: 'boolean' },
      sign: { type: 'boolean' },
      transport: { type: 'string' },
      'no-fsync': { type: 'boolean' },
      quiet: { type: 'boolean' },
      'tuf-root': { type: 'string' },
      'firmware-version': { type: 'string' },
      'firmware-sha256': { type: 'string' },
      'hardware-revision': { type: 'string' },
      'fail-install': { type: 'string' },
      'no-return': { type: 'string' },
      tamper: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.ca === undefined) throw new TypeError('--ca is required (Vigil root CA certificate, PEM)');
  const caCertificate = await readFile(values.ca, 'utf8');
  const devices = positiveNumber('devices', values.devices, 1);
  if (!Number.isInteger(devices)) throw new TypeError('--devices must be an integer');
  const durationMs = values.duration === undefined ? 0 : parseDuration(values.duration);
  const tokens = [...(values.token ?? []), ...(values['enroll-token'] ?? [])].flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t.length > 0);
  if (values['token-file'] !== undefined) {
    tokens.push(...(await readFile(values['token-file'], 'utf8')).split(/\r?\n/).map((t) => t.trim()).filter((t) => t.length > 0 && !t.startsWith('#')));
  }
  let episodeKinds: readonly EpisodeKind[] | undefined;
  if (values.episodes !== undefined) {
    episodeKinds = values.episodes === 'none' ? [] : (values.episodes.split(',').map((k) => k.trim()) as EpisodeKind[]);
    for (const kind of episodeKinds) if (!EPISODE_KINDS.includes(kind)) throw new TypeError(`unknown episode kind ${kind}`);
  }
  const url = values.url;
  const transport = values.transport;
  if (transport !== undefined && transport !== 'mqtt' && transport !== 'https') throw new TypeError('--transport must be mqtt or https');
  const apiToken = values['api-token'];
  const options: FleetOptions = {
    caCertificate,
    stateDir: values['state-dir'] ?? './vigil-sim-state',
    devices,
    ratePerSecond: positiveNumber('rate', values.rate, 1),
    ...(url !== undefined ? { url } : {}),
    ...(values['mqtt-url'] !== undefined ? { mqttUrl: values['mqtt-url'] } : {}),
    ...(durationMs > 0 ? { durationMs } : {}),
    tokens,
    ...(apiToken !== undefined && url !== undefined
      ? { mintToken: () => mintEnrollmentToken({ url, caCertificate, apiToken, model: values.model ?? 'vigil-sim' }) }
      : {}),
    seed: values.seed ?? 1,
    ...(values['episode-gap'] !== undefined ? { meanEpisodeGapMs: parseDuration(values['episode-gap']) } : {}),
    ...(values['first-episode'] !== undefined ? { firstEpisodeAfterMs: parseDuration(values['first-episode']) } : {}),
    ...(episodeKinds !== undefined ? { episodeKinds } : {}),
    ...(values.quiet === true
      ? {}
      : {
          onEpisode: (event: FleetEpisodeEvent) =>
            process.stderr.write(
              `vigil-sim: device ${event.deviceIndex} (${event.deviceId}) ${event.phase === 'start' ? 'starts' : 'ends'} ${event.episode.kind} (${event.episode.vital})\n`,
            ),
        }),
    signTelemetry: values.sign === true,
    ...(transport !== undefined ? { transport } : {}),
    ...(values['no-fsync'] === true ? { outbox: { fsync: false } } : {}),
    log: (line) => process.stderr.write(`vigil-sim: ${line}\n`),
    ...(values['tuf-root'] !== undefined ? { setupDevice: await firmwareSetup(values, caCertificate) } : {}),
  };
  const fleet = await startFleet(options);
  process.stderr.write(`vigil-sim: ${fleet.devices.length} devices started (${fleet.devices.map((d) => d.deviceId).join(', ').slice(0, 200)})\n`);
  if (values['print-episodes'] === true) {
    const horizon = fleet.startMs + (durationMs > 0 ? durationMs : 3_600_000);
    fleet.models.forEach((model, i) => {
      for (const e of model.episodesUntil(horizon)) {
        process.stdout.write(JSON.stringify({ device: i, deviceId: fleet.devices[i]?.deviceId, kind: e.kind, vital: e.vital, start: new Date(e.startMs).toISOString(), end: new Date(e.endMs).toISOString() }) + '\n');
      }
    });
  }
  let statsTimer: NodeJS.Timeout | undefined;
  if (values.quiet !== true) {
    statsTimer = setInterval(() => {
      const s = fleet.stats();
      process.stderr.write(`vigil-sim: t=${Math.round(s.elapsedMs / 1000)}s connected=${s.connected}/${s.devices} queued=${s.queued} acked=${s.acked} pending=${s.pending} refused=${s.refused}\n`);
    }, 5_000);
    statsTimer.unref();
  }
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('vigil-sim: stopping (Ctrl-C again to quit at once)\n');
    void fleet.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await fleet.done;
  if (statsTimer !== undefined) clearInterval(statsTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const s = fleet.stats();
  process.stderr.write(`vigil-sim: stopped; queued=${s.queued} acked=${s.acked} pending=${s.pending} refused=${s.refused}\n`);
  return 0;
}
