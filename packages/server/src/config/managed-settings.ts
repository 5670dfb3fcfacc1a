/**
 * Managed settings: security settings changed through an approved change request (issue 14,
 * compliance/changes) rather than by editing the configuration file. They are kept in
 * `<dataDir>/managed-settings.json` (mode 0600, written atomically) and merged over the file,
 * environment and flags when the configuration is loaded, so an approved change survives a
 * restart, and an insecure flag recorded by a change takes effect at the next start.
 *
 * MUST: only the keys of MANAGED_PREFIXES are accepted (password preset, detector settings,
 *       insecure flags); any other key, or a value that makes the configuration invalid, is
 *       refused with CONFIG_INVALID before anything is written.
 * MUST: each entry names the change request that set it (its audit trail).
 * MUST: an unreadable or malformed file refuses to start (CONFIG_INVALID): silently dropping an
 *       approved setting would weaken the platform without a trace.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../kernel/index.js';
import type { Config } from './schema.js';
import { validate, type LoadedConfig } from './load.js';

export const MANAGED_SETTINGS_FILE = 'managed-settings.json';

/** The setting keys (dotted config paths) a change request may set. */
export const MANAGED_PREFIXES = ['passwords.preset', 'security.detectors.', 'insecure.'] as const;

export type ManagedValue = string | number | boolean;

export interface ManagedSetting {
  readonly value: ManagedValue;
  /** The change request that set it. */
  readonly changeId: string;
  readonly at: string;
}

export type ManagedSettings = Readonly<Record<string, ManagedSetting>>;

export function isManagedKey(key: string): boolean {
  if (!/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/.test(key)) return false;
  return MANAGED_PREFIXES.some((p) => (p.endsWith('.') ? key.startsWith(p) && key.length > p.length : key === p));
}

export function managedSettingsPath(dataDir: string): string {
  return join(dataDir, MANAGED_SETTINGS_FILE);
}

export function readManagedSettings(dataDir: string): ManagedSettings {
  const file = managedSettingsPath(dataDir);
  if (!existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('CONFIG_INVALID', { detail: `config: ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  }
  return parseManagedSettings(text, file);
}

/** Parses the managed-settings document (the file's, or the database's copy); `source` names it in errors. */
export function parseManagedSettings(text: string, source: string): ManagedSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('CONFIG_INVALID', { detail: `config: ${source} cannot be read: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  }
  const settings = (parsed as { settings?: unknown } | null)?.settings;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new AppError('CONFIG_INVALID', { detail: `config: ${source}: no settings object` });
  const out: Record<string, ManagedSetting> = {};
  for (const [key, entry] of Object.entries(settings as Record<string, unknown>)) {
    const e = entry as Partial<ManagedSetting> | null;
    const okValue = typeof e?.value === 'string' || typeof e?.value === 'number' || typeof e?.value === 'boolean';
    if (!isManagedKey(key) || !okValue || typeof e?.changeId !== 'string' || typeof e.at !== 'string') throw new AppError('CONFIG_INVALID', { detail: `config: ${source}: ${key} is not a managed setting` });
    out[key] = { value: e.value as ManagedValue, changeId: e.changeId, at: e.at };
  }
  return out;
}

/** The managed-settings document for these settings (the file's format). */
export function formatManagedSettings(settings: ManagedSettings): string {
  return `${JSON.stringify({ version: 1, settings }, null, 2)}\n`;
}

/** Adds values set by one change to settings (each entry names its change); refuses unmanaged keys. */
export function withSettingValues(current: ManagedSettings, values: Readonly<Record<string, ManagedValue>>, changeId: string, at: string): ManagedSettings {
  const next: Record<string, ManagedSetting> = { ...current };
  for (const [key, value] of Object.entries(values)) {
    if (!isManagedKey(key)) throw new AppError('CONFIG_INVALID', { detail: `config: ${key} cannot be changed by a change request` });
    next[key] = { value, changeId, at };
  }
  return next;
}

/** Sets dotted paths on a plain configuration object (in place). */
export function mergeManaged(raw: Record<string, unknown>, values: Readonly<Record<string, ManagedValue>>): Record<string, unknown> {
  for (const [key, value] of Object.entries(values)) {
    const parts = key.split('.');
    let node = raw;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1] as string] = value;
  }
  return raw;
}

function valuesOf(settings: ManagedSettings): Record<string, ManagedValue> {
  return Object.fromEntries(Object.entries(settings).map(([k, s]) => [k, s.value]));
}

/**
 * The configuration with these values set, validated as a whole (unknown keys, wrong types and
 * insecure values are refused as at start). Throws CONFIG_INVALID naming the key.
 */
export function withManagedValues(config: Config, values: Readonly<Record<string, ManagedValue>>): LoadedConfig {
  for (const key of Object.keys(values)) if (!isManagedKey(key)) throw new AppError('CONFIG_INVALID', { detail: `config: ${key} cannot be changed by a change request` });
  return validate(mergeManaged(structuredClone(config) as unknown as Record<string, unknown>, values));
}

/** Merges the data directory's managed settings into a raw (not yet validated) configuration. */
export function mergeManagedSettings(raw: Record<string, unknown>, dataDir: string): Record<string, unknown> {
  return mergeManaged(raw, valuesOf(readManagedSettings(dataDir)));
}

/**
 * Records approved values (the caller validated them with withManagedValues): read, merge, write
 * to a temporary file and rename over, so a crash leaves the old or the new file, never half.
 */
export function writeManagedSettings(dataDir: string, values: Readonly<Record<string, ManagedValue>>, changeId: string, at: string): ManagedSettings {
  return replaceManagedSettings(dataDir, withSettingValues(readManagedSettings(dataDir), values, changeId, at));
}

/** Writes these settings as the data directory's file (temporary file, then rename). */
export function replaceManagedSettings(dataDir: string, settings: ManagedSettings): ManagedSettings {
  const file = managedSettingsPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, formatManagedSettings(settings), { mode: 0o600 });
  renameSync(tmp, file);
  return settings;
}
