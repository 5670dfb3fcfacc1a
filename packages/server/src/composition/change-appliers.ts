/**
 * The change appliers (issue 14, item 5): what an approved change request does, through the
 * module that owns the setting. Registered in compliance/changes' ChangeApplierRegistry.
 *
 *   role-grant         identity.setRoles (passes identity's privileged-role gate)
 *   password-settings  recorded (database and managed-settings.json), then identity.setPasswordPreset (live)
 *   detector-settings  recorded (database and managed-settings.json), then the detection engine is rebuilt (live)
 *   insecure-flag      recorded (database and managed-settings.json); takes effect at the next start, and the
 *                      PLT-INSECURE-FLAGS check reports it from now on
 *   key-rotation       the KEK rotation with re-wrap (composition/key-rotation.ts) or a signing key
 *   firmware-rollout   not here: composition/rollout-changes.ts registers it (FIRMWARE_ROLLOUT_HOOK)
 *
 * MUST: each applier first passes the owning module's gate (ChangeService.requireApproved), so
 *       calling it outside an approved change's application is refused.
 * MUST: a setting is validated against the whole configuration when the change is requested and
 *       again when it is applied; the audit event, the database's record (followed by the other
 *       nodes at their start: managed-settings-sync.ts) and this node's file are written in the
 *       same unit of work (the file before the commit; a failed write rolls the event back).
 * MUST: the KEK is rotated by the process that holds the data directory (the server, or the CLI
 *       with the lock taken), never beside a running server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDetectors, detectorsFollowingLimits, type DetectionEngine, type DetectorSettings } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import { ChangeApplierRegistry, type ChangeRequest, type ChangeService, type PayloadValue } from '../compliance/index.js';
import { lockDataDir, withManagedValues, writeManagedSettings, type Config, type ManagedValue } from '../config/index.js';
import type { IdentityService } from '../identity/index.js';
import { AppError, type Clock, type RequestContext } from '../kernel/index.js';
import type { KeyProvider } from '../keys/index.js';
import { auditStore, SqlUnitOfWork, systemMetaStore, type SqlDatabase } from '../storage/index.js';
import { recordManagedSettings } from './managed-settings-sync.js';

/** Signing keys a key-rotation change may rotate besides the KEK (the same list as `vigil keys rotate`). */
export const ROTATABLE_KEYS = ['kek', 'audit-signing', 'tuf-timestamp', 'tuf-snapshot', 'tuf-targets', 'tuf-delegation'] as const;
type Rotatable = (typeof ROTATABLE_KEYS)[number];

/** The configuration in force: starts as loaded, follows approved live setting changes. */
export interface EffectiveConfig {
  current: Config;
}

export interface ChangeApplierDeps {
  readonly database: SqlDatabase;
  readonly auditLog: AuditLog;
  readonly clock: Clock;
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly identity: IdentityService;
  readonly effective: EffectiveConfig;
  /** The platform's KEK rotation (re-wraps everything sealed); gated on an approved key-rotation change. */
  readonly rotateKek?: (ctx: RequestContext) => Promise<unknown>;
  /** The detection engine to rebuild on a detector-settings change (absent in a CLI process). */
  readonly engine?: DetectionEngine;
}

const invalid = (detail: string): never => {
  throw new AppError('COMPLIANCE_CHANGE_INVALID', { detail: `compliance: ${detail}` });
};

/** The managed setting values a change sets (dotted config paths), validated by its kind's rules. */
export function settingValues(change: Pick<ChangeRequest, 'kind' | 'target' | 'payload'>): Record<string, ManagedValue> {
  const scalar = (key: string, v: PayloadValue | undefined): ManagedValue => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : invalid(`payload.${key} must be a string, number or boolean`));
  switch (change.kind) {
    case 'password-settings':
      if (change.target !== 'passwords.preset') invalid('a password-settings change targets passwords.preset');
      return { 'passwords.preset': scalar('preset', change.payload['preset']) };
    case 'insecure-flag': {
      if (!/^[a-zA-Z]+$/.test(change.target)) invalid('an insecure-flag change targets a flag name (e.g. allowPlaintextDatabase)');
      const enabled = change.payload['enabled'];
      if (typeof enabled !== 'boolean') invalid('an insecure-flag change needs payload.enabled (true or false)');
      return { [`insecure.${change.target}`]: enabled as boolean };
    }
    case 'detector-settings': {
      if (!/^[a-zA-Z]+$/.test(change.target)) invalid('a detector-settings change targets a detector name, or "all" for the master switch');
      const entries = Object.entries(change.payload);
      if (entries.length === 0) invalid('a detector-settings change needs at least one setting in payload (e.g. {"enabled": false})');
      if (change.target === 'all') {
        if (entries.some(([k]) => k !== 'enabled')) invalid('the "all" detector target takes only payload.enabled');
        return { 'security.detectors.enabled': scalar('enabled', change.payload['enabled']) };
      }
      return Object.fromEntries(entries.map(([k, v]) => [`security.detectors.${change.target}.${k}`, scalar(k, v)]));
    }
    default:
      return invalid(`${change.kind} is not a setting change`);
  }
}

/** Checks the values against the whole configuration (types, ranges, unknown keys) as at start. */
function checkedConfig(effective: EffectiveConfig, values: Record<string, ManagedValue>): Config {
  try {
    return withManagedValues(effective.current, values).config;
  } catch (error) {
    if (error instanceof AppError && (error.code === 'CONFIG_INVALID' || error.code === 'CONFIG_INSECURE')) invalid(error.message);
    throw error;
  }
}

export function changeAppliers(changes: () => ChangeService, d: ChangeApplierDeps): ChangeApplierRegistry {
  const audit = new SqlUnitOfWork(d.database, (executor) => d.auditLog.writer(auditStore(executor, d.database.dialect)));
  const settingsWork = new SqlUnitOfWork(d.database, (executor) => ({ writer: d.auditLog.writer(auditStore(executor, d.database.dialect)), meta: systemMetaStore(executor) }));
  /** Gate, validate against the configuration, record the file and the audit event together. */
  const recordSettings = async (ctx: RequestContext, change: ChangeRequest): Promise<Config> => {
    await changes().requireApproved(ctx, change.kind, change.target);
    const values = settingValues(change);
    const next = checkedConfig(d.effective, values);
    const at = d.clock.now().toISOString();
    await settingsWork.run(async ({ writer, meta }) => {
      await writer.record(ctx, { action: 'config.setting.change', target: { type: 'setting', id: change.target }, outcome: 'success', details: { kind: change.kind, changeId: change.id, keys: Object.keys(values).join(',') } });
      // The shared record every node follows at its start (managed-settings-sync.ts), then this node's file.
      await recordManagedSettings(meta, values, change.id, at);
      writeManagedSettings(d.dataDir, values, change.id, at);
    });
    return next;
  };
  const validateSetting = (change: Pick<ChangeRequest, 'kind' | 'target' | 'payload'>) => void checkedConfig(d.effective, settingValues(change));

  return new ChangeApplierRegistry({
    'role-grant': {
      apply: async (ctx, change) => {
        const roles = change.payload['roles'];
        await d.identity.setRoles(ctx, change.target, Array.isArray(roles) ? (roles as readonly string[]) : [], change.orgId ?? undefined);
      },
    },
    'password-settings': {
      validate: (c) => validateSetting({ kind: 'password-settings', ...c }),
      apply: async (ctx, change) => {
        const next = await recordSettings(ctx, change);
        await d.identity.setPasswordPreset(ctx, next.passwords.preset);
        d.effective.current = next;
      },
    },
    'detector-settings': {
      validate: (c) => validateSetting({ kind: 'detector-settings', ...c }),
      apply: async (ctx, change) => {
        const next = await recordSettings(ctx, change);
        d.engine?.reconfigure(buildDetectors(detectorsFollowingLimits(next.security.detectors as DetectorSettings, next.mqtt)));
        d.effective.current = next;
      },
    },
    'insecure-flag': {
      validate: (c) => validateSetting({ kind: 'insecure-flag', ...c }),
      // Recorded only: the running configuration keeps its flags until the next start.
      apply: async (ctx, change) => void (await recordSettings(ctx, change)),
    },
    'key-rotation': {
      validate: (c) => {
        if (!(ROTATABLE_KEYS as readonly string[]).includes(c.target)) invalid(`a key-rotation change targets one of ${ROTATABLE_KEYS.join(', ')}`);
      },
      apply: async (ctx, change) => {
        await changes().requireApproved(ctx, 'key-rotation', change.target);
        const purpose = change.target as Rotatable;
        if (purpose === 'kek') {
          const rotate = d.rotateKek;
          if (!rotate) throw new AppError('INTERNAL', { detail: 'compliance: no KEK rotation in this process' });
          await holdingDataDir(d.dataDir, () => rotate(ctx));
          return;
        }
        const previous = d.keys.active(purpose).id;
        const rotated = await d.keys.rotate(purpose);
        await audit.run((writer) =>
          writer.record(ctx, { action: purpose === 'audit-signing' ? 'keys.audit_signing.rotate' : 'keys.tuf.rotate', target: { type: 'key', id: rotated.id }, outcome: 'success', details: { previousKeyId: previous, changeId: change.id } }),
        );
      },
    },
  });
}

/**
 * Runs fn as the data directory's holder: directly in the process that holds its lock (the
 * server), else with the lock taken for the call (a CLI beside no server); DATA_DIR_LOCKED when
 * another live process holds it.
 */
async function holdingDataDir<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  let holder: string | undefined;
  try {
    holder = readFileSync(join(dataDir, 'vigil.pid'), 'utf8').trim();
  } catch {
    holder = undefined;
  }
  if (holder === String(process.pid)) return fn();
  const lock = lockDataDir(dataDir);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
