/**
 * Enrolment: the device generates its key, sends a CSR with a one-time token to
 * `POST /api/v1/devices/enroll`, and stores the certificate chain it gets back.
 *
 * MUST: the server is authenticated by the CA certificate the caller provides (never by a
 *       system trust store or an unverified connection).
 * MUST: the certificate returned certifies OUR public key and is issued by the first chain
 *       certificate; anything else is refused before it is stored (a confused or hostile server
 *       cannot make the device present someone else's identity).
 * MUST: the enrolment token is used once and never stored or logged.
 * MUST: a device already enrolled in this state directory is not enrolled again (the token is
 *       not spent); call `enroll` with `force: true` to replace the identity with a new one.
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { isDeviceId } from '@vigil/protocol';
import { createCsr, loadOrCreateDeviceKey } from './device-key.js';
import { httpsJson } from './https-json.js';
import { DeviceSdkError } from './sdk-error.js';
import { ensurePrivateDir, readOptional, statePaths, writeFileAtomic } from './state-dir.js';

export const ENROLL_PATH = '/api/v1/devices/enroll';

export interface EnrollOptions {
  /** Vigil's base URL, e.g. https://vigil.example:8443 */
  readonly url: string;
  /** The one-time enrolment token an administrator issued. */
  readonly token: string;
  readonly serial: string;
  readonly udi?: string;
  readonly firmwareVersion?: string;
  /** PEM of the CA that issued Vigil's HTTPS certificate (Vigil's root CA). */
  readonly caCertificate: string;
  readonly stateDir: string;
  /** Replace an existing identity in stateDir (a new key is generated). */
  readonly force?: boolean;
  readonly timeoutMs?: number;
}

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly serverUrl: string;
  readonly mqttPort: number;
  readonly enrolledAt: string;
  /** Device certificate, PEM. */
  readonly certificatePem: string;
  /** Issuing chain, PEM: [intermediate, root]. */
  readonly chainPem: readonly string[];
}

export interface IdentityFile {
  readonly deviceId: string;
  readonly serverUrl: string;
  readonly mqttPort: number;
  readonly enrolledAt: string;
}

export async function enroll(options: EnrollOptions): Promise<DeviceIdentity> {
  const paths = statePaths(options.stateDir);
  if (options.force !== true) {
    const existing = await loadIdentity(options.stateDir);
    if (existing !== undefined) return existing;
  } else {
    const previous = await loadIdentity(options.stateDir).catch(() => undefined);
    // The old outbox holds messages of the old identity: the new one cannot send them (they name
    // another device id). Keep them aside, never delete them.
    if (previous !== undefined) await rename(paths.outboxDir, `${paths.outboxDir}-${previous.deviceId}-${Date.now()}`).catch(ignoreMissing);
    for (const file of [paths.identityFile, paths.certFile, paths.chainFile, paths.keyFile]) for (const f of [file, `${file}.next`]) await rm(f, { force: true });
  }
  await ensurePrivateDir(options.stateDir);
  const key = await loadOrCreateDeviceKey(options.stateDir);
  const csr = await createCsr(key, options.serial);
  const url = new URL(ENROLL_PATH, options.url);
  let response;
  try {
    response = await httpsJson({
      url,
      method: 'POST',
      caCertificate: options.caCertificate,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      body: {
        token: options.token,
        csr,
        serial: options.serial,
        ...(options.udi !== undefined ? { udi: options.udi } : {}),
        ...(options.firmwareVersion !== undefined ? { firmwareVersion: options.firmwareVersion } : {}),
      },
    });
  } catch (error) {
    throw new DeviceSdkError('ENROLL_TRANSPORT', `enrolment request to ${url.origin} failed: ${(error as Error).message}`, { cause: error });
  }
  if (response.status < 200 || response.status > 299) {
    const serverError = serverErrorOf(response.body);
    throw new DeviceSdkError('ENROLL_REJECTED', `enrolment refused (${response.status}${serverError ? ` ${serverError.code}: ${serverError.message}` : ''})`, {
      status: response.status,
      ...(serverError ? { serverCode: serverError.code } : {}),
    });
  }
  const parsed = parseEnrollResponse(response.body, key.publicKey);
  const identity: IdentityFile = { deviceId: parsed.deviceId, serverUrl: url.origin, mqttPort: parsed.mqttPort, enrolledAt: new Date().toISOString() };
  // Certificates first, identity last: identity.json is the commit marker of an enrolment.
  await writeFileAtomic(paths.certFile, parsed.certificatePem, 0o644);
  await writeFileAtomic(paths.chainFile, parsed.chainPem.join(''), 0o644);
  await writeFileAtomic(paths.identityFile, JSON.stringify(identity, null, 2) + '\n', 0o600);
  return { ...identity, certificatePem: parsed.certificatePem, chainPem: parsed.chainPem };
}

/** The identity stored in stateDir, or undefined when the device is not enrolled. */
export async function loadIdentity(stateDir: string): Promise<DeviceIdentity | undefined> {
  const paths = statePaths(stateDir);
  const text = await readOptional(paths.identityFile);
  if (text === undefined) return undefined;
  const certificatePem = await readOptional(paths.certFile);
  const chainText = await readOptional(paths.chainFile);
  let file: IdentityFile;
  try {
    file = JSON.parse(text) as IdentityFile;
  } catch (error) {
    throw new DeviceSdkError('STATE_INVALID', `${paths.identityFile} is not JSON`, { cause: error });
  }
  if (certificatePem === undefined || chainText === undefined || typeof file.deviceId !== 'string' || !isDeviceId(file.deviceId)) {
    throw new DeviceSdkError('STATE_INVALID', `the identity in ${stateDir} is incomplete; enrol again with force`);
  }
  return { ...file, certificatePem, chainPem: splitPem(chainText) };
}

export interface ParsedEnrollment {
  readonly deviceId: string;
  readonly certificatePem: string;
  readonly chainPem: readonly string[];
  readonly mqttPort: number;
}

export function parseEnrollResponse(body: unknown, publicKey: KeyObject): ParsedEnrollment {
  const invalid = (why: string, cause?: unknown) =>
    new DeviceSdkError('ENROLL_RESPONSE_INVALID', `enrolment response ${why}`, cause !== undefined ? { cause } : {});
  if (typeof body !== 'object' || body === null) throw invalid('is not a JSON object');
  const { deviceId, certificate, chain, mqtt } = body as Record<string, unknown>;
  if (typeof deviceId !== 'string' || !isDeviceId(deviceId)) throw invalid('has no valid deviceId');
  if (typeof certificate !== 'string') throw invalid('has no certificate');
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > 4 || !chain.every((c) => typeof c === 'string')) throw invalid('has no chain');
  const port = typeof mqtt === 'object' && mqtt !== null ? (mqtt as Record<string, unknown>).port : undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw invalid('has no mqtt.port');
  let leaf: X509Certificate;
  let issuer: X509Certificate;
  try {
    leaf = new X509Certificate(certificate);
    issuer = new X509Certificate(chain[0] as string);
  } catch (error) {
    throw invalid('holds a certificate that does not parse', error);
  }
  if (!leaf.publicKey.equals(publicKey)) throw invalid('certifies another key than this device’s');
  if (!leaf.checkIssued(issuer) || !leaf.verify(issuer.publicKey)) throw invalid('certificate is not issued by the first chain certificate');
  if (leaf.ca) throw invalid('certificate is a CA certificate');
  return { deviceId, certificatePem: normalizePem(certificate), chainPem: (chain as string[]).map(normalizePem), mqttPort: port };
}

function normalizePem(pem: string): string {
  return pem.trim() + '\n';
}

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map(normalizePem) ?? [];
}

function serverErrorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as Record<string, unknown>;
  return typeof code === 'string' ? { code, message: typeof message === 'string' ? message : '' } : undefined;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
