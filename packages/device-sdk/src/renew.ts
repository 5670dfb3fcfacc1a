/**
 * Certificate renewal: before its certificate expires, the device sends a CSR for a NEW key to
 * `POST /api/v1/devices/renew`, authenticated by its current certificate (mutual TLS), and
 * switches to the new key and certificate.
 *
 * MUST: the new key is generated on the device (0600, O_EXCL) and never leaves it; the old key
 *       authenticates the request and is discarded only after the new certificate is stored.
 * MUST: the returned certificate certifies the new key, is issued by the returned chain, and
 *       keeps the device id: renewal never changes the device's identity.
 * MUST: the switch is crash-safe: the new certificate and chain are staged (`*.next`) before
 *       the key is swapped, and `completeRenewal` (run by `renew` and `VigilDevice.open`) finishes
 *       a switch that a crash interrupted, so the key and certificate on disk always match.
 */
import { X509Certificate } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { createCsr, type DeviceKey, loadDeviceKey, loadKeyFile, loadOrCreateKeyFile } from './device-key.js';
import { type DeviceIdentity, type IdentityFile, loadIdentity, parseEnrollResponse } from './enroll.js';
import { httpsJson } from './https-json.js';
import { DeviceSdkError } from './sdk-error.js';
import { fsyncDir, readOptional, statePaths, writeFileAtomic } from './state-dir.js';

export const RENEW_PATH = '/api/v1/devices/renew';

export interface RenewOptions {
  readonly stateDir: string;
  /** PEM of Vigil's root CA. */
  readonly caCertificate: string;
  /** Vigil's base URL; default: the URL the device enrolled with. */
  readonly url?: string;
  readonly timeoutMs?: number;
}

function nextPaths(stateDir: string) {
  const paths = statePaths(stateDir);
  return { key: `${paths.keyFile}.next`, cert: `${paths.certFile}.next`, chain: `${paths.chainFile}.next` };
}

export async function renew(options: RenewOptions): Promise<DeviceIdentity> {
  await completeRenewal(options.stateDir);
  const identity = await loadIdentity(options.stateDir);
  const currentKey = await loadDeviceKey(options.stateDir);
  if (identity === undefined || currentKey === undefined) throw new DeviceSdkError('NOT_ENROLLED', `no enrolled device in ${options.stateDir}`);
  const next = nextPaths(options.stateDir);
  // A key left by an attempt that failed before staging is reused: it never left the device.
  const newKey = await loadOrCreateKeyFile(next.key);
  const csr = await createCsr(newKey, identity.deviceId);
  const url = new URL(RENEW_PATH, options.url ?? identity.serverUrl);
  let response;
  try {
    response = await httpsJson({
      url,
      method: 'POST',
      caCertificate: options.caCertificate,
      body: { csr },
      clientCert: { certPem: [identity.certificatePem, ...identity.chainPem.slice(0, -1)].join(''), keyPem: pemOf(currentKey) },
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  } catch (error) {
    throw new DeviceSdkError('ENROLL_TRANSPORT', `renewal request to ${url.origin} failed: ${(error as Error).message}`, { cause: error });
  }
  if (response.status < 200 || response.status > 299) {
    const body = response.body as { error?: { code?: unknown } } | undefined;
    const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
    throw new DeviceSdkError('ENROLL_REJECTED', `renewal refused (${response.status}${code ? ` ${code}` : ''})`, {
      status: response.status,
      ...(code !== undefined ? { serverCode: code } : {}),
    });
  }
  const parsed = parseEnrollResponse(response.body, newKey.publicKey);
  if (parsed.deviceId !== identity.deviceId) {
    throw new DeviceSdkError('ENROLL_RESPONSE_INVALID', 'renewal response names another device');
  }
  await writeFileAtomic(next.cert, parsed.certificatePem, 0o644);
  await writeFileAtomic(next.chain, parsed.chainPem.join(''), 0o644);
  await completeRenewal(options.stateDir);
  const file: IdentityFile = { deviceId: identity.deviceId, serverUrl: identity.serverUrl, mqttPort: parsed.mqttPort, enrolledAt: identity.enrolledAt };
  await writeFileAtomic(statePaths(options.stateDir).identityFile, JSON.stringify(file, null, 2) + '\n', 0o600);
  return (await loadIdentity(options.stateDir)) as DeviceIdentity;
}

/**
 * Finishes a staged renewal: once `device-cert.pem.next` certifies the staged key, the key,
 * then the chain, then the certificate are renamed into place. Idempotent; a no-op when nothing
 * is staged. A staged key without a staged certificate is left alone (the renewal did not finish;
 * the current identity stays valid).
 */
export async function completeRenewal(stateDir: string): Promise<void> {
  const paths = statePaths(stateDir);
  const next = nextPaths(stateDir);
  const stagedCert = await readOptional(next.cert);
  if (stagedCert === undefined) return;
  const certKey = new X509Certificate(stagedCert).publicKey;
  const stagedKey = await loadKeyFile(next.key);
  if (stagedKey !== undefined) {
    if (!certKey.equals(stagedKey.publicKey)) {
      // Staged files that do not belong together: discard them, keep the current identity.
      for (const f of [next.key, next.cert, next.chain]) await rm(f, { force: true });
      await fsyncDir(stateDir);
      return;
    }
    await rename(next.key, paths.keyFile);
  } else {
    const key = await loadDeviceKey(stateDir);
    if (key === undefined || !certKey.equals(key.publicKey)) throw new DeviceSdkError('STATE_INVALID', `a staged certificate in ${stateDir} matches no key`);
  }
  if ((await readOptional(next.chain)) !== undefined) await rename(next.chain, paths.chainFile);
  await rename(next.cert, paths.certFile);
  await fsyncDir(stateDir);
}

function pemOf(key: DeviceKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
