/**
 * Simulated firmware for `vigil-sim`: each device answers Vigil's `firmware.update` command by
 * updating through the real UpdateClient (TUF over mTLS), and attests at start and after install.
 * Shares of the fleet misbehave on purpose, so that demos and tests show auto-halt and integrity
 * alerts: some fail the install, some never come back after it, some report a tampered hash.
 *
 * MUST: which device misbehaves is a pure function of the seed and the device id (reproducible).
 * MUST: a tampered report is still signed with the device's real key: it is the image that lies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandHandler } from '../command-handler.js';
import { loadDeviceKey } from '../device-key.js';
import { loadIdentity } from '../enroll.js';
import { sendAttestation, signAttestation } from './attestation.js';
import { UpdateClient } from './update-client.js';

export type SimulatedBehaviour = 'healthy' | 'fail-install' | 'no-return' | 'tamper';

export interface SimulatedFirmwareOptions {
  readonly baseUrl: string;
  readonly caCertificate: string;
  readonly model: string;
  readonly version: string;
  /** SHA-256 of the image the device runs at start (the one of `version`). */
  readonly imageSha256: string;
  readonly hardwareRevision?: string;
  readonly trustedRoot: string;
  readonly failInstallShare?: number;
  readonly noReturnShare?: number;
  readonly tamperShare?: number;
  readonly seed?: string | number;
}

/** The device's part in the demo, from the shares in order: fail-install, no-return, tamper. */
export function simulatedBehaviour(deviceId: string, o: Pick<SimulatedFirmwareOptions, 'failInstallShare' | 'noReturnShare' | 'tamperShare' | 'seed'>): SimulatedBehaviour {
  const x = createHash('sha256').update(`${String(o.seed ?? 1)}:${deviceId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  const fail = o.failInstallShare ?? 0;
  const gone = fail + (o.noReturnShare ?? 0);
  const tamper = gone + (o.tamperShare ?? 0);
  return x < fail ? 'fail-install' : x < gone ? 'no-return' : x < tamper ? 'tamper' : 'healthy';
}

export interface SimulatedDevice {
  readonly behaviour: SimulatedBehaviour;
  /** Handler of `firmware.update`: register it with VigilDevice.onCommand. */
  readonly onUpdate: CommandHandler;
  /** Handler of `firmware.download` (fetch now, install when `firmware.update` comes). */
  readonly onDownload: CommandHandler;
  /** Sends the attestation of what the device runs (at start). */
  attest(): Promise<string | undefined>;
}

export async function simulatedFirmware(stateDir: string, options: SimulatedFirmwareOptions): Promise<SimulatedDevice> {
  const identity = await loadIdentity(stateDir);
  const key = await loadDeviceKey(stateDir);
  if (identity === undefined || key === undefined) throw new Error(`no enrolled device in ${stateDir}`);
  const behaviour = simulatedBehaviour(identity.deviceId, options);
  const tls = {
    caCertificate: options.caCertificate,
    clientCert: { certPem: [identity.certificatePem, ...identity.chainPem.slice(0, 1)].join(''), keyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  };
  let running = { version: options.version, sha256: options.imageSha256 };
  const attest = async (): Promise<string | undefined> => {
    if (behaviour === 'no-return' && running.version !== options.version) return undefined;
    const sha = behaviour === 'tamper' ? randomBytes(32).toString('hex') : running.sha256;
    const answer = await sendAttestation(options.baseUrl, tls, signAttestation({ deviceId: identity.deviceId, firmwareVersion: running.version, imageSha256: sha, privateKey: key.privateKey }));
    return answer.state;
  };
  const client = new UpdateClient({
    model: options.model,
    currentVersion: options.version,
    hardwareRevision: options.hardwareRevision ?? 'any',
    mirrors: [`${options.baseUrl.replace(/\/+$/, '')}/tuf`],
    trustedRoot: options.trustedRoot,
    stateDir: join(stateDir, 'updates'),
    tls,
    install: async ({ offer }) => {
      if (behaviour === 'fail-install') throw new Error('simulated flash failure');
      running = { version: offer.version, sha256: offer.sha256 };
      return Promise.resolve();
    },
    attest: async () => void (await attest()),
  });
  const onUpdate: CommandHandler = async (args) => {
    const path = typeof args['targetPath'] === 'string' ? args['targetPath'] : undefined;
    const outcome = await client.update(path);
    return outcome.status === 'installed' || outcome.status === 'up-to-date' ? { status: 'done' } : { status: 'failed', reason: outcome.status === 'failed' ? `${outcome.stage}-failed` : 'deferred' };
  };
  const onDownload: CommandHandler = async (args) => {
    const path = typeof args['targetPath'] === 'string' ? args['targetPath'] : undefined;
    const outcome = await client.download(path);
    return outcome.status === 'failed' ? { status: 'failed', reason: `${outcome.stage}-failed` } : { status: 'done' };
  };
  return { behaviour, onUpdate, onDownload, attest };
}
