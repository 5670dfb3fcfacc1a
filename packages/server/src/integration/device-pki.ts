/**
 * A throwaway PKI for MQTT and device-ingest tests, the durability script and the bench, built
 * with @peculiar/x509 (through identity/ca/x509-library.ts) and node's WebCrypto:
 *   - a server root and an ECDSA P-256 server certificate for localhost / 127.0.0.1;
 *   - a device CA (ECDSA P-256, CA:TRUE) and device certificates with CN = device id;
 *   - a foreign CA with a device certificate that looks right but chains elsewhere;
 *   - an expired device certificate from the right CA.
 * Imported by tests, bench and scripts only.
 */
import { webcrypto, X509Certificate } from 'node:crypto';
import { x509 } from '../identity/ca/x509-library.js';
import type { AuthenticatedDeviceIdentity, DeviceAuthentication, DeviceAuthenticator } from '../transports/mqtt/index.js';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function pemOf(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

let serial = 1;

export async function issueCert(options: {
  readonly subject: string;
  readonly issuer?: IssuedCert;
  readonly ca?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly san?: boolean;
  readonly clientAuth?: boolean;
  /** Reuse a key pair (benches that need many certificates fast). */
  readonly keys?: webcrypto.CryptoKeyPair;
}): Promise<IssuedCert> {
  const keys = options.keys ?? (await newKeys());
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(options.ca ?? false, undefined, true)];
  if (options.ca) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  else extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  if (options.san) {
    extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }]));
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
  }
  if (options.clientAuth) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]));
  serial += 1;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString(16).padStart(4, '0'),
      subject: options.subject,
      issuer: options.issuer?.cert.subject ?? options.subject,
      notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
      notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY_MS),
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: options.issuer?.keys.privateKey ?? keys.privateKey,
      extensions,
    },
    webcrypto,
  );
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await pemOf(keys.privateKey), keys, cert };
}

export interface DevicePki {
  readonly serverRoot: IssuedCert;
  readonly server: IssuedCert;
  readonly deviceCa: IssuedCert;
  readonly foreignCa: IssuedCert;
  device(deviceId: string, options?: { notBefore?: Date; notAfter?: Date; foreign?: boolean; keys?: webcrypto.CryptoKeyPair }): Promise<IssuedCert>;
}

export async function makeDevicePki(): Promise<DevicePki> {
  const serverRoot = await issueCert({ subject: 'CN=Test Vigil Root', ca: true });
  const server = await issueCert({ subject: 'CN=localhost', issuer: serverRoot, san: true });
  const deviceCa = await issueCert({ subject: 'CN=Test Vigil Device CA', ca: true });
  const foreignCa = await issueCert({ subject: 'CN=Test Vigil Device CA', ca: true });
  return {
    serverRoot,
    server,
    deviceCa,
    foreignCa,
    device: (deviceId, options = {}) =>
      issueCert({
        subject: `CN=${deviceId}`,
        issuer: options.foreign ? foreignCa : deviceCa,
        clientAuth: true,
        ...(options.notBefore ? { notBefore: options.notBefore } : {}),
        ...(options.notAfter ? { notAfter: options.notAfter } : {}),
        ...(options.keys ? { keys: options.keys } : {}),
      }),
  };
}

/** The device id a test certificate names (CN). */
export function certificateDeviceId(cert: X509Certificate): string | null {
  const match = /^CN=(.+)$/m.exec(cert.subject);
  return match?.[1] ?? null;
}

/**
 * A fake DeviceAuthenticator over an in-memory registry, standing in for the devices module:
 * checks the certificate was issued by the device CA, then the device's status.
 */
export class FakeDeviceRegistry implements DeviceAuthenticator {
  readonly devices = new Map<string, AuthenticatedDeviceIdentity>();
  private readonly caCert: X509Certificate;

  constructor(deviceCaPem: string) {
    this.caCert = new X509Certificate(deviceCaPem);
  }

  add(deviceId: string, options: { orgId?: string; model?: string; status?: string } = {}): void {
    this.devices.set(deviceId, { deviceId, orgId: options.orgId ?? 'org-test-1', model: options.model ?? 'vigil-sim', status: options.status ?? 'active' });
  }

  setStatus(deviceId: string, status: string): void {
    const d = this.devices.get(deviceId);
    if (d) this.devices.set(deviceId, { ...d, status });
  }

  /** DeviceDirectory (telemetry commands): the device if it is in that organization. */
  find(orgId: string, deviceId: string): Promise<AuthenticatedDeviceIdentity | null> {
    const d = this.devices.get(deviceId);
    return Promise.resolve(d && d.orgId === orgId ? d : null);
  }

  authenticate(peer: X509Certificate): DeviceAuthentication {
    if (!peer.checkIssued(this.caCert) || !peer.verify(this.caCert.publicKey)) return { ok: false, reason: 'foreign-ca' };
    const id = certificateDeviceId(peer);
    const device = id === null ? undefined : this.devices.get(id);
    if (!device) return { ok: false, reason: 'unknown-device' };
    if (device.status !== 'active') return { ok: false, reason: device.status };
    return { ok: true, device };
  }
}
