/**
 * Builds the validated Config from defaults, file, environment and flags.
 *
 * MUST: refuse (CONFIG_INVALID) an unknown key in the file, an unknown VIGIL_* variable,
 *       or a value of the wrong type, with a one-line reason naming the key.
 * MUST: refuse (CONFIG_INSECURE) an insecure value unless its `insecure.*` flag is set.
 * MUST: settings recorded by approved change requests (`<dataDir>/managed-settings.json`) are
 *       merged last, so they win over the file, the environment and the flags.
 */
import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { AppError } from '../kernel/index.js';
import { ConfigSchema, type Config } from './schema.js';
import { resolveDataDir } from './data-dir.js';
import { mergeManagedSettings } from './managed-settings.js';
import { ENV_SETTINGS, NON_CONFIG_ENV, TEST_ENV_PREFIX, type EnvSetting } from './sources.js';

type Json = Record<string, unknown>;

export interface LoadConfigInput {
  /** Already-parsed flags, as a partial config object (e.g. { httpPort: 9443 }). */
  readonly flags?: Json;
  readonly env?: NodeJS.ProcessEnv;
  /** Config file path; defaults to env VIGIL_CONFIG. */
  readonly file?: string;
}

export interface LoadedConfig {
  readonly config: Config;
  /** Warnings to print: insecure settings that were explicitly allowed. */
  readonly warnings: readonly string[];
}

export function loadConfig(input: LoadConfigInput = {}): LoadedConfig {
  const env = input.env ?? process.env;
  const merged: Json = {};
  const filePath = input.file ?? env['VIGIL_CONFIG'];
  if (filePath !== undefined && filePath !== '') deepMerge(merged, readConfigFile(filePath));
  deepMerge(merged, fromEnv(env));
  if (input.flags) deepMerge(merged, dropUndefined(input.flags));
  // Settings changed through approved change requests (managed-settings.ts) win over the sources above.
  const dataDir = (Value.Default(ConfigSchema, structuredClone(merged)) as { dataDir?: unknown }).dataDir;
  if (typeof dataDir === 'string') mergeManagedSettings(merged, resolveDataDir(dataDir));
  return validate(merged);
}

export function validate(raw: Json): LoadedConfig {
  const candidate = Value.Default(ConfigSchema, structuredClone(raw));
  if (!Value.Check(ConfigSchema, candidate)) {
    const first = Value.Errors(ConfigSchema, candidate)[0];
    const where = first ? pathOf(first.instancePath, first.params) : '(root)';
    const why = first ? first.message : 'invalid';
    throw new AppError('CONFIG_INVALID', { detail: `config: ${where}: ${why}` });
  }
  const config = candidate;
  return { config, warnings: checkInsecure(config) };
}

function pathOf(instancePath: string, params: unknown): string {
  const base = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const extra = params && typeof params === 'object' && 'additionalProperties' in params
    ? (params as { additionalProperties: unknown }).additionalProperties
    : undefined;
  if (Array.isArray(extra) && extra.length > 0) return `${base ? `${base}.` : ''}${String(extra[0])} (unknown key)`;
  return base || '(root)';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Returns warnings for allowed insecure values; throws CONFIG_INSECURE for refused ones. */
export function checkInsecure(config: Config): string[] {
  const warnings: string[] = [];
  if (config.tls.minVersion !== 'TLSv1.2' && config.tls.minVersion !== 'TLSv1.3') {
    throw new AppError('CONFIG_INSECURE', {
      detail: `config: tls.minVersion ${JSON.stringify(config.tls.minVersion)} is not allowed: use TLSv1.2 or TLSv1.3 (RFC 8996 deprecates TLS 1.0 and 1.1)`,
    });
  }
  if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    throw new AppError('CONFIG_INVALID', { detail: 'config: tls.certFile and tls.keyFile must be set together' });
  }
  if (config.databaseUrl !== undefined) {
    const url = parseDatabaseUrl(config.databaseUrl);
    const sslmode = url.searchParams.get('sslmode');
    const encrypted = sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full';
    if (!encrypted && !LOOPBACK.has(url.hostname) && url.hostname !== '') {
      if (!config.insecure.allowPlaintextDatabase) {
        throw new AppError('CONFIG_INSECURE', {
          detail: `config: databaseUrl to ${url.hostname} has no sslmode=verify-full (or require); set insecure.allowPlaintextDatabase to allow it`,
        });
      }
      warnings.push(`WARNING: insecure.allowPlaintextDatabase is set: PHI travels unencrypted to ${url.hostname}`);
    }
  }
  return warnings;
}

function parseDatabaseUrl(value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new AppError('CONFIG_INVALID', { detail: 'config: databaseUrl is not a valid URL' });
  }
}

function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { detail: `config: cannot read config file ${path}`, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', { detail: `config: ${path} is not valid JSON`, cause });
  }
  if (!isPlainObject(parsed)) throw new AppError('CONFIG_INVALID', { detail: `config: ${path} must hold a JSON object` });
  if (Object.hasOwn(parsed, 'masterKey')) {
    throw new AppError('CONFIG_INSECURE', { detail: `config: masterKey must not be in a config file; use VIGIL_MASTER_KEY or the key file` });
  }
  return parsed;
}

function fromEnv(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const known = new Map<string, EnvSetting>(ENV_SETTINGS.map((s) => [s.env, s]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('VIGIL_') || value === undefined) continue;
    if (name.startsWith(TEST_ENV_PREFIX) || NON_CONFIG_ENV.includes(name)) continue;
    const setting = known.get(name);
    if (!setting) throw new AppError('CONFIG_INVALID', { detail: `config: unknown environment variable ${name}` });
    setPath(out, setting.path, coerce(setting, value));
  }
  return out;
}

function coerce(setting: EnvSetting, value: string): unknown {
  switch (setting.kind) {
    case 'string':
      return value;
    case 'integer': {
      if (!/^-?\d+$/.test(value.trim())) throw new AppError('CONFIG_INVALID', { detail: `config: ${setting.env} must be an integer` });
      return Number(value);
    }
    case 'boolean': {
      const v = value.trim().toLowerCase();
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new AppError('CONFIG_INVALID', { detail: `config: ${setting.env} must be true or false` });
    }
    case 'list':
      return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (isPlainObject(next)) node = next;
    else {
      const created: Json = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function deepMerge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new AppError('CONFIG_INVALID', { detail: `config: forbidden key ${key}` });
    }
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) deepMerge(existing, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}

function dropUndefined(value: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) ? dropUndefined(v) : v;
  }
  return out;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
