/**
 * TLS material an operator supplies instead of Vigil's own: config tls.certFile (PEM: the
 * server certificate first, then its chain) and tls.keyFile (PEM, unencrypted PKCS#8/SEC1/PKCS#1).
 *
 * MUST: refuse (TLS_MATERIAL_INVALID, naming the file and the reason, never the key) material
 *       that does not parse, a key that does not match the certificate, a certificate that is
 *       expired or not yet valid, a certificate whose extendedKeyUsage excludes serverAuth, or a
 *       chain whose certificates do not each issue the one before (RFC 5280 §6.1).
 * Checks are small and separate (after smallstep's certificate checks) so each failure is named.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError, type Clock } from '../../kernel/index.js';
import type { TlsCredentials } from '../../keys/index.js';
import { x509 } from './x509-library.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]+?\r?\n-----END CERTIFICATE-----/g;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

export interface OperatorTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clock: Clock;
}

export async function loadOperatorTlsCredentials(files: OperatorTlsFiles): Promise<TlsCredentials> {
  const certText = await readMaterial(files.certFile);
  const keyPem = await readMaterial(files.keyFile);
  return checkOperatorTlsCredentials({ certText, keyPem, certFile: files.certFile, keyFile: files.keyFile, now: files.clock.now() });
}

export interface OperatorTlsMaterial {
  readonly certText: string;
  readonly keyPem: string;
  /** Named in error details. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly now: Date;
}

/** The checks of `loadOperatorTlsCredentials`, on text already read. */
export function checkOperatorTlsCredentials(material: OperatorTlsMaterial): TlsCredentials {
  const { certFile, keyFile } = material;
  const blocks = material.certText.match(CERTIFICATE_BLOCK) ?? [];
  const [leafPem, ...chainPems] = blocks;
  if (leafPem === undefined) throw invalid(certFile, 'holds no PEM certificate');
  const leaf = parseCertificate(leafPem, certFile, 'the certificate');
  const chain = chainPems.map((pem, index) => parseCertificate(pem, certFile, `chain certificate #${index + 1}`));

  const key = parseKey(material.keyPem, keyFile);
  if (!keyMatches(leaf, key)) throw invalid(keyFile, `does not match the certificate in ${certFile}`);

  const dates = new x509.X509Certificate(leaf.raw);
  if (material.now.getTime() > dates.notAfter.getTime()) throw invalid(certFile, `expired on ${dates.notAfter.toISOString()}`);
  if (material.now.getTime() < dates.notBefore.getTime()) throw invalid(certFile, `is not valid before ${dates.notBefore.toISOString()}`);

  const usages = leaf.keyUsage; // node names the extendedKeyUsage OIDs keyUsage
  if (usages !== undefined && !usages.includes(SERVER_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
    throw invalid(certFile, 'has an extendedKeyUsage without serverAuth');
  }

  let child = leaf;
  for (const [index, parent] of chain.entries()) {
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw invalid(certFile, `chain certificate #${index + 1} did not issue the certificate before it`);
    }
    child = parent;
  }

  return {
    certPem: `${leafPem}\n`,
    chainPem: chainPems.map((pem) => `${pem}\n`).join(''),
    keyPem: material.keyPem,
  };
}

async function readMaterial(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new AppError('TLS_MATERIAL_INVALID', { detail: `${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, cause: error });
  }
}

function parseCertificate(pem: string, file: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw invalid(file, `${what} does not parse as X.509`, error);
  }
}

function parseKey(pem: string, file: string): KeyObject {
  if (/ENCRYPTED/.test(pem)) throw invalid(file, 'holds an encrypted private key; supply it unencrypted with mode 0600');
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.type !== 'private') throw new Error('not a private key');
    return key;
  } catch (error) {
    // The parser's message can quote the input; keep only that it failed.
    throw invalid(file, 'does not hold a PEM private key', error instanceof Error ? error.name : undefined);
  }
}

function keyMatches(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false; // e.g. an RSA key against an ECDSA certificate
  }
}

function invalid(file: string, what: string, cause?: unknown): AppError {
  return new AppError('TLS_MATERIAL_INVALID', { detail: `${file} ${what}`, ...(cause !== undefined ? { cause } : {}) });
}
