/**
 * Checks `vigil start` makes in production mode (NODE_ENV=production or --production), issue 11.
 *
 * The embedded default keeps the master key in `<data dir>/master.key`, beside the database and
 * the key store it opens: a copy of the data directory then opens every sealed value. That is
 * accepted for a laptop or a demo, and warned about in production, where the key belongs in a
 * secret store (VIGIL_MASTER_KEY) or a KMS (the KeyProvider port; docs/keys.md).
 *
 * MUST: the warning names the file, never its content.
 */
import { existsSync } from 'node:fs';
import { relative, resolve, isAbsolute } from 'node:path';
import { keyStorePaths } from '../keys/index.js';

export function isProduction(env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
  return flag === true || env['NODE_ENV'] === 'production';
}

/** True when `file` lies inside `dir` (or is `dir`). */
function inside(dir: string, file: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The warning to print, or undefined when the master key is not read from inside the data directory. */
export function masterKeyLocationWarning(dataDir: string, env: NodeJS.ProcessEnv, production: boolean): string | undefined {
  if (!production) return undefined;
  const fromEnv = env['VIGIL_MASTER_KEY'];
  if (fromEnv !== undefined && fromEnv !== '') return undefined;
  const { masterKeyFile } = keyStorePaths(dataDir);
  if (!existsSync(masterKeyFile) || !inside(dataDir, masterKeyFile)) return undefined;
  return (
    `vigil: WARNING (production): the master key is read from ${masterKeyFile}, inside the data directory. ` +
    'A copy of the data directory (a backup, a snapshot, a stolen disk) then opens every sealed value: patient records, vitals, secrets. ' +
    'Move the key to a secret store and pass it as VIGIL_MASTER_KEY, or use a KMS through the KeyProvider port, then remove the file (docs/keys.md).'
  );
}
