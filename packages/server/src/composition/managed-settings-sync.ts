/**
 * Managed settings across the nodes of one database (issue 14, change control). An approved
 * setting change (password preset, detector settings, an insecure flag) is recorded twice in the
 * unit of work of its `config.setting.change` audit event: in the shared database (system_meta,
 * key MANAGED_SETTINGS_META_KEY, the same document as the file) and in the applying node's
 * `<dataDir>/managed-settings.json`. Every node, when it opens the platform, follows the
 * database: an entry set by a change its file does not have (or by an older one) is written to
 * its file and merged into its configuration, so a setting approved on one node applies on every
 * node sharing the database from its next start, without copying files.
 *
 * MUST: the database's document is validated as the file is (only managed keys; the merged
 *       configuration valid as a whole); a malformed or invalid one refuses to start
 *       (CONFIG_INVALID): silently dropping an approved setting would weaken the platform.
 * MUST: the newer entry wins (its time), so a node never rolls back a change it applied itself.
 */
import { AppError } from '../kernel/index.js';
import { formatManagedSettings, parseManagedSettings, readManagedSettings, replaceManagedSettings, withManagedValues, withSettingValues, type Config, type ManagedSettings, type ManagedValue } from '../config/index.js';
import type { SystemMetaStore } from '../identity/index.js';
import { systemMetaStore, type SqlDatabase } from '../storage/index.js';

export const MANAGED_SETTINGS_META_KEY = 'managed-settings';

/** The database's managed settings ({} when none was ever approved). */
export async function databaseManagedSettings(meta: SystemMetaStore): Promise<ManagedSettings> {
  const text = await meta.get(MANAGED_SETTINGS_META_KEY);
  return text === undefined ? {} : parseManagedSettings(text, `the database's ${MANAGED_SETTINGS_META_KEY}`);
}

/** Records values approved by one change in the database (inside the caller's unit of work). */
export async function recordManagedSettings(meta: SystemMetaStore, values: Readonly<Record<string, ManagedValue>>, changeId: string, at: string): Promise<void> {
  const next = withSettingValues(await databaseManagedSettings(meta), values, changeId, at);
  await meta.set(MANAGED_SETTINGS_META_KEY, formatManagedSettings(next), at);
}

export interface FollowedSettings {
  readonly config: Config;
  /** The keys this node took from the database (empty when its file was up to date). */
  readonly followed: readonly string[];
}

/**
 * At start: brings this node's file up to the database's settings and returns the configuration
 * with them. `config` is the one loaded from the file, environment, flags and this node's file.
 */
export async function followManagedSettings(config: Config, database: SqlDatabase, dataDir: string): Promise<FollowedSettings> {
  const shared = await databaseManagedSettings(systemMetaStore(database.db));
  const local = readManagedSettings(dataDir);
  const taken: Record<string, ManagedValue> = {};
  const merged: Record<string, ManagedSettings[string]> = { ...local };
  for (const [key, entry] of Object.entries(shared)) {
    const mine = local[key];
    if (mine !== undefined && (mine.changeId === entry.changeId || Date.parse(mine.at) >= Date.parse(entry.at))) continue;
    taken[key] = entry.value;
    merged[key] = entry;
  }
  const followed = Object.keys(taken);
  if (followed.length === 0) return { config, followed };
  let next: Config;
  try {
    next = withManagedValues(config, taken).config;
  } catch (error) {
    if (error instanceof AppError) throw new AppError('CONFIG_INVALID', { detail: `config: the managed settings approved on another node (${followed.join(', ')}) do not apply here: ${error.message}`, cause: error });
    throw error;
  }
  replaceManagedSettings(dataDir, merged);
  return { config: next, followed };
}
