/**
 * TUF keys and signatures (TUF specification 1.0, §4.2 "File formats: general principles"):
 * an Ed25519 key is {"keytype":"ed25519","scheme":"ed25519","keyval":{"public":<hex>}} and its
 * key id is the hex SHA-256 of that object's canonical JSON (OLPC canonical JSON).
 *
 * MUST: signing goes through a keys/ Signer; this file never sees a private key.
 * MUST: only Ed25519 public keys become TUF keys here.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Signature, type Metadata, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { AppError } from '../../kernel/index.js';
import type { Signer } from '../../keys/index.js';

export const TUF_SPEC_VERSION = '1.0.31';

/** The TUF key of an Ed25519 SPKI PEM public key. */
export function tufKeyOf(publicKeyPem: string): Key {
  let jwk;
  try {
    jwk = createPublicKey(publicKeyPem).export({ format: 'jwk' });
  } catch (cause) {
    throw new AppError('UPDATES_TUF_ROOT_INVALID', { publicMessage: 'A key is not a PEM public key.', cause });
  }
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new AppError('UPDATES_TUF_ROOT_INVALID', { publicMessage: 'TUF keys must be Ed25519.' });
  const publicHex = Buffer.from(jwk.x, 'base64url').toString('hex');
  const body = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: publicHex } };
  const keyID = createHash('sha256').update(Buffer.from(canonicalize(body))).digest('hex');
  return new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal: { public: publicHex } });
}

export function keyIdOf(publicKeyPem: string): string {
  return tufKeyOf(publicKeyPem).keyID;
}

type AnyMetadata = Metadata<Root> | Metadata<Targets> | Metadata<Snapshot> | Metadata<Timestamp>;

/** Adds (append) or sets the signature of `signer` over the canonical JSON of `signed`. */
export function signMetadata(metadata: AnyMetadata, signer: Signer, append = true): void {
  const keyID = keyIdOf(signer.publicKeyPem());
  metadata.sign((data) => new Signature({ keyID, sig: Buffer.from(signer.sign(data)).toString('hex') }), append);
}

/** The text a repository serves for a metadata document. */
export function metadataText(metadata: AnyMetadata): string {
  return JSON.stringify(metadata.toJSON());
}
