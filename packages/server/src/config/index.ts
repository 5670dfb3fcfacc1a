/**
 * config: one typed, schema-validated configuration.
 * MUST: insecure settings refuse to start without an explicit flag, and print a warning when allowed.
 */
export { ConfigSchema, type Config } from './schema.js';
export { loadConfig, validate, checkInsecure, type LoadConfigInput, type LoadedConfig } from './load.js';
export { ENV_SETTINGS, NON_CONFIG_ENV, TEST_ENV_PREFIX, type EnvSetting } from './sources.js';
export { resolveDataDir, dataDirExists, createDataDir, checkDataDirMode, lockDataDir, DATA_DIR_MODE, type DataDirLock } from './data-dir.js';
export { MANAGED_PREFIXES, MANAGED_SETTINGS_FILE, formatManagedSettings, isManagedKey, managedSettingsPath, parseManagedSettings, readManagedSettings, replaceManagedSettings, withManagedValues, withSettingValues, writeManagedSettings, type ManagedSetting, type ManagedSettings, type ManagedValue } from './managed-settings.js';
