/**
 * Request contexts for the CLI and jobs, the data-directory lock, the console's location.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDataDir, type DataDirLock } from '../config/index.js';
import { cliPrincipal, newId, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import type { Platform } from './platform.js';

/** The context of an operator running the CLI on this host. */
export function cliContext(): RequestContext {
  return { principal: cliPrincipal(safeUser()), requestId: `cli-${newId()}`, source: 'local' };
}

export function systemRequestContext(job: string): RequestContext {
  return { principal: SYSTEM_PRINCIPAL, requestId: `${job}-${newId()}`, source: 'local' };
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function takeDataDirLock(platform: Platform): DataDirLock {
  return lockDataDir(platform.dataDir);
}

export function safeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

/** Where the built console lives (packages/console/dist), relative to this file in dist/composition/. */
export function defaultConsoleDir(): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'console', 'dist');
}
