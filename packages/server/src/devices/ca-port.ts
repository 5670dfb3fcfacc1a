/**
 * The device certificate authority as the devices module needs it. main.ts plugs in
 * identity/ca's DeviceCertificateIssuer; tests plug in the same issuer over a throwaway key store.
 *
 * MUST: `issue` runs every CSR check again (signature, key type and size, no CA extensions) and
 *       takes the subject and SANs from its arguments only, never from the CSR.
 */
import type { X509Certificate } from 'node:crypto';

export interface IssuedDeviceCertificate {
  readonly certPem: string;
  /** Lower-case hex, no leading zeros. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint: string;
}

export interface DeviceCertificateAuthority {
  /** Throws CA_CSR_* (400) when the CSR fails a check. */
  checkCsr(csrPem: string): Promise<void>;
  issue(request: { readonly csrPem: string; readonly deviceId: string; readonly orgId: string }): Promise<IssuedDeviceCertificate>;
  /** [device CA, root], PEM, for the device's trust store and its TLS chain. */
  chainPems(): readonly string[];
  /** True when the device CA issued `certificate` (name and signature; not validity). */
  issued(certificate: X509Certificate): boolean;
  /** The {orgId, deviceId} Vigil wrote into a certificate it issued; undefined if absent or malformed. */
  identify(certificate: X509Certificate): { readonly orgId: string; readonly deviceId: string } | undefined;
  /** Signs a CRL with these entries, writes it to the data directory, returns the PEM. */
  publishCrl(entries: readonly { readonly serial: string; readonly revokedAt: string; readonly reason: string }[]): Promise<string>;
}
