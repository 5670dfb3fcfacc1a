/** Test factories for the TUF repository: offline root keys in a temp directory and a signed root. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metadata, Root } from '@tufjs/models';
import { generateOfflineSigningKey, openOfflineSigner, type Signer } from '../../keys/index.js';
import { buildRoot, nextRoot, signRoot, type OnlinePublicKeys } from '../index.js';

export interface RootKeys {
  readonly dir: string;
  readonly publicPems: readonly string[];
  readonly signers: readonly Signer[];
}

export async function makeRootKeys(count = 3): Promise<RootKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-root-keys-'));
  const publicPems: string[] = [];
  const signers: Signer[] = [];
  for (let i = 1; i <= count; i++) {
    const path = join(dir, `root-${i}.key`);
    publicPems.push(await generateOfflineSigningKey(path));
    signers.push(await openOfflineSigner(path));
  }
  return { dir, publicPems, signers };
}

/** Root v1 over `keys` (threshold 2), signed by the first `signatures` keys. */
export function rootV1(keys: RootKeys, online: OnlinePublicKeys, now: Date, signatures = 2): Metadata<Root> {
  const root = buildRoot({ version: 1, expires: new Date(now.getTime() + 365 * 86_400_000), rootKeys: keys.publicPems, threshold: 2, online });
  for (const s of keys.signers.slice(0, signatures)) signRoot(root, s);
  return root;
}

/** Root N+1 of `current`, with optional new online or root keys, signed by `signers`. */
export function rotatedRoot(current: Metadata<Root>, now: Date, signers: readonly Signer[], change: { online?: OnlinePublicKeys; rootKeys?: readonly string[] } = {}): Metadata<Root> {
  const next = nextRoot(current, { expires: new Date(now.getTime() + 365 * 86_400_000), ...change });
  for (const s of signers) signRoot(next, s, current);
  return next;
}
