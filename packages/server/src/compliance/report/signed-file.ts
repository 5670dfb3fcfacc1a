/**
 * The signed report file format, verifiable offline with the audit signing keys (Ed25519 over the
 * exact bytes, RFC 8032):
 *   json: {"vigilSignedReport":1,"keyId":"…","signature":"<base64url>","payload":"<the report JSON text>"}
 *         (written compactly; verification re-serializes and requires the very same bytes)
 *   html, pdf: the document bytes, then one trailer line:  \n<!--vigil-signature {"keyId","signature"}-->\n
 *         (in a PDF the trailer follows %%EOF, which readers ignore)
 *
 * MUST: any change to any byte of the file fails verification (payload, signature, key id, framing).
 */
import { AppError } from '../../kernel/index.js';

export type ReportFormat = 'json' | 'html' | 'pdf';

export interface ReportSigner {
  readonly keyId: string;
  sign(data: Uint8Array): Uint8Array;
}

/** keyId -> SPKI PEM of trusted audit-signing keys; verify(pem, data, sig) never throws. */
export interface ReportVerifier {
  readonly keys: ReadonlyMap<string, string>;
  verify(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean;
}

const TRAILER_START = Buffer.from('\n<!--vigil-signature ');
const TRAILER_END = '-->\n';

export function signReport(format: ReportFormat, payload: Uint8Array, signer: ReportSigner): Buffer {
  const signature = Buffer.from(signer.sign(payload)).toString('base64url');
  if (format === 'json') {
    return Buffer.from(JSON.stringify({ vigilSignedReport: 1, keyId: signer.keyId, signature, payload: Buffer.from(payload).toString('utf8') }));
  }
  return Buffer.concat([Buffer.from(payload), TRAILER_START, Buffer.from(JSON.stringify({ keyId: signer.keyId, signature })), Buffer.from(TRAILER_END)]);
}

export interface VerifiedReport {
  readonly format: ReportFormat;
  readonly keyId: string;
  readonly payload: Buffer;
}

function invalid(detail: string): never {
  throw new AppError('COMPLIANCE_REPORT_INVALID', { detail: `verify-report: ${detail}` });
}

export function verifySignedReport(file: Buffer, verifier: ReportVerifier): VerifiedReport {
  let format: ReportFormat;
  let keyId: string;
  let signature: string;
  let payload: Buffer;
  if (file[0] === 0x7b) {
    let doc: unknown;
    try {
      doc = JSON.parse(file.toString('utf8'));
    } catch {
      invalid('the JSON envelope does not parse');
    }
    const d = doc as { vigilSignedReport?: unknown; keyId?: unknown; signature?: unknown; payload?: unknown };
    if (d.vigilSignedReport !== 1 || typeof d.keyId !== 'string' || typeof d.signature !== 'string' || typeof d.payload !== 'string') invalid('not a signed Vigil report');
    if (!Buffer.from(JSON.stringify({ vigilSignedReport: 1, keyId: d.keyId, signature: d.signature, payload: d.payload })).equals(file)) invalid('the envelope is not in its canonical form (bytes were changed)');
    format = 'json';
    keyId = d.keyId;
    signature = d.signature;
    payload = Buffer.from(d.payload, 'utf8');
  } else {
    const at = file.lastIndexOf(TRAILER_START);
    if (at < 0 || !file.subarray(file.length - TRAILER_END.length).equals(Buffer.from(TRAILER_END))) invalid('no signature trailer');
    let trailer: { keyId?: unknown; signature?: unknown };
    try {
      trailer = JSON.parse(file.subarray(at + TRAILER_START.length, file.length - TRAILER_END.length).toString('utf8')) as typeof trailer;
    } catch {
      invalid('the signature trailer does not parse');
    }
    if (typeof trailer.keyId !== 'string' || typeof trailer.signature !== 'string') invalid('the signature trailer is incomplete');
    payload = file.subarray(0, at);
    format = payload.subarray(0, 5).toString('latin1') === '%PDF-' ? 'pdf' : 'html';
    keyId = trailer.keyId;
    signature = trailer.signature;
  }
  const pem = verifier.keys.get(keyId);
  if (pem === undefined) invalid(`signed by key ${keyId}, which is not a trusted audit-signing key`);
  if (!/^[A-Za-z0-9_-]+$/.test(signature) || !verifier.verify(pem, payload, Buffer.from(signature, 'base64url'))) invalid('the signature does not match the content');
  return { format, keyId, payload };
}
