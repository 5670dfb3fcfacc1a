/**
 * The TUF root: creation, signing and rotation (TUF specification 1.0, §4.3 "root.json" and
 * §5.3 "Update the root role"), done offline with the root keys (`vigil updates root …`).
 *
 * MUST: a root names the online keys of timestamp, snapshot and targets (threshold 1 each) and
 *       its own root keys with a threshold (default 2 of 3); consistent_snapshot is always true.
 * MUST: a root is accepted (verifyRootUpdate) only when it is signed by a threshold of its own
 *       root keys and, for version N+1, also by a threshold of the trusted version N's root keys;
 *       versions go up by exactly one.
 * MUST: a signer that is neither a key of this root nor of the previous one is refused.
 */
import { Metadata, MetadataKind, Root } from '@tufjs/models';
import { AppError } from '../../kernel/index.js';
import type { Signer } from '../../keys/index.js';
import { signMetadata, tufKeyOf, TUF_SPEC_VERSION } from './tuf-keys.js';

export interface OnlinePublicKeys {
  readonly timestamp: string;
  readonly snapshot: string;
  readonly targets: string;
}

export interface RootSpec {
  readonly version: number;
  readonly expires: Date;
  readonly rootKeys: readonly string[];
  readonly threshold: number;
  readonly online: OnlinePublicKeys;
}

export const DEFAULT_ROOT_THRESHOLD = 2;
export const DEFAULT_ROOT_KEYS = 3;
export const DEFAULT_ROOT_EXPIRY_DAYS = 365;

/** Builds an unsigned root. */
export function buildRoot(spec: RootSpec): Metadata<Root> {
  if (!Number.isInteger(spec.threshold) || spec.threshold < 1 || spec.threshold > spec.rootKeys.length) {
    throw invalid(`the root threshold must be 1..${spec.rootKeys.length}`);
  }
  const rootKeys = spec.rootKeys.map(tufKeyOf);
  if (new Set(rootKeys.map((k) => k.keyID)).size !== rootKeys.length) throw invalid('root keys repeat');
  const online = { timestamp: tufKeyOf(spec.online.timestamp), snapshot: tufKeyOf(spec.online.snapshot), targets: tufKeyOf(spec.online.targets) };
  const onlineIds = new Set(Object.values(online).map((k) => k.keyID));
  if (rootKeys.some((k) => onlineIds.has(k.keyID))) throw invalid('a root key may not also be an online key');
  const keys: Record<string, unknown> = {};
  for (const k of [...rootKeys, ...Object.values(online)]) keys[k.keyID] = k.toJSON();
  const signed = Root.fromJSON({
    _type: 'root',
    spec_version: TUF_SPEC_VERSION,
    version: spec.version,
    expires: isoSeconds(spec.expires),
    consistent_snapshot: true,
    keys: keys as Record<string, never>,
    roles: {
      root: { keyids: rootKeys.map((k) => k.keyID), threshold: spec.threshold },
      timestamp: { keyids: [online.timestamp.keyID], threshold: 1 },
      snapshot: { keyids: [online.snapshot.keyID], threshold: 1 },
      targets: { keyids: [online.targets.keyID], threshold: 1 },
    },
  });
  return new Metadata(signed);
}

/** Version N+1 of `current`: same keys unless changed; no signatures yet. */
export function nextRoot(current: Metadata<Root>, change: { expires: Date; rootKeys?: readonly string[] | undefined; threshold?: number | undefined; online?: OnlinePublicKeys | undefined }): Metadata<Root> {
  const publicOf = (role: string): string[] => {
    const r = current.signed.roles[role];
    if (r === undefined) throw invalid(`the current root has no ${role} role`);
    return r.keyIDs.map((id) => {
      const k = current.signed.keys[id];
      if (k === undefined || k.keyVal['public'] === undefined) throw invalid(`key ${id} is missing from the current root`);
      return hexToPem(k.keyVal['public']);
    });
  };
  const one = (role: string): string => {
    const [pem] = publicOf(role);
    if (pem === undefined) throw invalid(`the current root has no ${role} key`);
    return pem;
  };
  return buildRoot({
    version: current.signed.version + 1,
    expires: change.expires,
    rootKeys: change.rootKeys ?? publicOf('root'),
    threshold: change.threshold ?? current.signed.roles['root']?.threshold ?? DEFAULT_ROOT_THRESHOLD,
    online: change.online ?? { timestamp: one('timestamp'), snapshot: one('snapshot'), targets: one('targets') },
  });
}

/** Adds the signature of `signer`; it must be a root key of `root` or of `previous`. */
export function signRoot(root: Metadata<Root>, signer: Signer, previous?: Metadata<Root>): void {
  const id = tufKeyOf(signer.publicKeyPem()).keyID;
  const allowed = new Set([...(root.signed.roles['root']?.keyIDs ?? []), ...(previous?.signed.roles['root']?.keyIDs ?? [])]);
  if (!allowed.has(id)) throw invalid(`key ${id.slice(0, 16)}… is not a root key of version ${root.signed.version}${previous ? ` or ${previous.signed.version}` : ''}`);
  signMetadata(root, signer, true);
}

export function parseRoot(json: unknown): Metadata<Root> {
  try {
    return Metadata.fromJSON(MetadataKind.Root, json as Parameters<typeof Metadata.fromJSON>[1]);
  } catch (cause) {
    throw invalid(`not TUF root metadata: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Accepts `next` after `trusted` (or as the first root), per §5.3: version N+1, signed by a
 * threshold of the trusted root and of itself, consistent snapshots, all four roles, not expired.
 */
export function verifyRootUpdate(trusted: Metadata<Root> | undefined, next: Metadata<Root>, now: Date): void {
  if (trusted !== undefined && next.signed.version !== trusted.signed.version + 1) {
    throw invalid(`root version ${next.signed.version} does not follow the trusted version ${trusted.signed.version}`);
  }
  if (trusted === undefined && next.signed.version < 1) throw invalid('the first root must have version >= 1');
  for (const role of ['root', 'timestamp', 'snapshot', 'targets']) if (next.signed.roles[role] === undefined) throw invalid(`the root has no ${role} role`);
  if (!next.signed.consistentSnapshot) throw invalid('consistent_snapshot must be true');
  if (next.signed.isExpired(now)) throw invalid('the root has already expired');
  try {
    if (trusted !== undefined) trusted.verifyDelegate(MetadataKind.Root, next);
  } catch (cause) {
    throw invalid(`the new root is not signed by a threshold of version ${trusted?.signed.version ?? 0}'s root keys`, cause);
  }
  try {
    next.verifyDelegate(MetadataKind.Root, next);
  } catch (cause) {
    throw invalid('the root is not signed by a threshold of its own root keys', cause);
  }
}

/** How many valid signatures of its own root keys a root carries, and how many it needs. */
export function rootSignatureCount(root: Metadata<Root>, previous?: Metadata<Root>): { own: number; needed: number; previous?: number; previousNeeded?: number } {
  const count = (keys: Metadata<Root>): number => {
    const role = keys.signed.roles['root'];
    let n = 0;
    for (const id of role?.keyIDs ?? []) {
      const key = keys.signed.keys[id];
      if (key === undefined) continue;
      try {
        key.verifySignature(root);
        n += 1;
      } catch {
        // an absent or invalid signature does not count
      }
    }
    return n;
  };
  return {
    own: count(root),
    needed: root.signed.roles['root']?.threshold ?? 1,
    ...(previous ? { previous: count(previous), previousNeeded: previous.signed.roles['root']?.threshold ?? 1 } : {}),
  };
}

export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function hexToPem(hex: string): string {
  // SPKI for Ed25519 (RFC 8410 §4): a fixed 12-byte prefix, then the 32-byte key.
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

function invalid(detail: string, cause?: unknown): AppError {
  return new AppError('UPDATES_TUF_ROOT_INVALID', { publicMessage: `The root metadata is refused: ${detail}.`, detail, ...(cause !== undefined ? { cause } : {}) });
}
