/**
 * The public keys a verifier trusts, by key id. Checkpoints name their key id; a key id maps
 * to a key through the data directory's public key list, or to a PEM the auditor supplies.
 * An auditor-supplied PEM is trusted for every key id whose listed public key is that same PEM,
 * so a checkpoint signed by any other key fails as `checkpoint-key-unknown`.
 */
import { createPublicKey } from 'node:crypto';

export interface PublicKeyListEntry {
  readonly id: string;
  readonly purpose: string;
  readonly publicKeyPem: string;
}

/** Parses `<dataDir>/keys/public-keys.json` into audit-signing keys by id. */
export function auditKeysFromList(json: string): Map<string, string> {
  const parsed = JSON.parse(json) as { keys?: PublicKeyListEntry[] };
  const out = new Map<string, string>();
  for (const k of parsed.keys ?? []) if (k.purpose === 'audit-signing') out.set(k.id, k.publicKeyPem);
  return out;
}

/**
 * Restricts `listed` to the keys equal to one of the auditor's PEMs. When there is no list
 * (e.g. verifying an exported file with one PEM), that PEM is trusted for any key id, which
 * still checks every signature against the auditor's key. Several PEMs without a list cannot
 * be matched to key ids: give the public key list instead.
 */
export function restrictToSupplied(listed: ReadonlyMap<string, string> | undefined, supplied: readonly string[], keyIds: Iterable<string>): Map<string, string> {
  const fingerprints = new Set(supplied.map(spkiFingerprint));
  const out = new Map<string, string>();
  if (listed) {
    for (const [id, pem] of listed) if (fingerprints.has(spkiFingerprint(pem))) out.set(id, pem);
    return out;
  }
  const [only] = supplied;
  if (supplied.length === 1 && only !== undefined) for (const id of keyIds) out.set(id, only);
  return out;
}

function spkiFingerprint(pem: string): string {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch {
    return `invalid:${pem.length}`;
  }
}
