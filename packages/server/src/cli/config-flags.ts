/** Turns commander options into the partial config object that loadConfig merges last. */
import { AppError } from '../kernel/index.js';

export interface CommonFlags {
  readonly config?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly host?: string;
  readonly httpPort?: string;
  readonly mqttPort?: string;
  readonly logLevel?: string;
  /** `vigil start --emergency-read-only` (issue 12). */
  readonly emergencyReadOnly?: boolean;
}

export function flagsToConfig(flags: CommonFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.dataDir !== undefined) out['dataDir'] = flags.dataDir;
  if (flags.databaseUrl !== undefined) out['databaseUrl'] = flags.databaseUrl;
  if (flags.host !== undefined) out['host'] = flags.host;
  if (flags.httpPort !== undefined) out['httpPort'] = port('--http-port', flags.httpPort);
  if (flags.mqttPort !== undefined) out['mqttPort'] = port('--mqtt-port', flags.mqttPort);
  if (flags.logLevel !== undefined) out['logLevel'] = flags.logLevel;
  if (flags.emergencyReadOnly === true) out['emergency'] = { readOnly: true };
  return out;
}

function port(flag: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new AppError('CONFIG_INVALID', { detail: `${flag} must be a port number (0-65535)` });
  return Number(value);
}
