/**
 * Where the local key store lives in the data directory.
 *
 *   <dataDir>/master.key                   0600  master key (only when VIGIL_MASTER_KEY is not used)
 *   <dataDir>/keys/                        0700
 *   <dataDir>/keys/keystore.json           0600  sealed keys, verifier, MAC
 *   <dataDir>/keys/public-keys.json        0644  every public key, active and retired
 *   <dataDir>/keys/audit-signing.pub.pem   0644  the active audit-signing public key
 */
import { join } from 'node:path';

export interface KeyStorePaths {
  readonly dataDir: string;
  readonly masterKeyFile: string;
  readonly keysDir: string;
  readonly storeFile: string;
  readonly publicKeysFile: string;
  readonly auditPublicKeyFile: string;
}

export function keyStorePaths(dataDir: string): KeyStorePaths {
  const keysDir = join(dataDir, 'keys');
  return {
    dataDir,
    masterKeyFile: join(dataDir, 'master.key'),
    keysDir,
    storeFile: join(keysDir, 'keystore.json'),
    publicKeysFile: join(keysDir, 'public-keys.json'),
    auditPublicKeyFile: join(keysDir, 'audit-signing.pub.pem'),
  };
}
