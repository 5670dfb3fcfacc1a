/** Test fixtures for backups: a platform with a recovery key, a target, and the backup service. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { SecurityAlert } from '../alerts/index.js';
import { validate, type Config } from '../config/index.js';
import { drillIdentity, snapshotInspectorFor, snapshotRestorer, wireBackup } from '../composition/backup.js';
import { ed25519Verifier } from '../keys/index.js';
import { ManualClock } from '../kernel/index.js';
import { initialize, openPlatform, type Platform } from '../main.js';
import { initDrillIdentity, initRecoveryRecipient, LocalDirectoryTarget, type BackupService, type BackupTarget, type RestoreDeps } from '../backup/index.js';

export interface BackupFixture {
  readonly root: string;
  readonly config: Config;
  readonly platform: Platform;
  readonly clock: ManualClock;
  readonly target: LocalDirectoryTarget;
  readonly service: BackupService;
  /** The offline recovery key (printed once in real life). */
  readonly recoveryKey: string;
  readonly drillKey: string;
  readonly alerts: SecurityAlert[];
  restoreDeps(identity?: string, target?: BackupTarget): RestoreDeps;
  dispose(): Promise<void>;
}

export async function makeBackupFixture(options: { targets?: (root: string) => BackupTarget[]; clock?: ManualClock; targetTimeoutMs?: number; databaseUrl?: string } = {}): Promise<BackupFixture> {
  const root = await mkdtemp(join(tmpdir(), 'vigil-backup-'));
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0, ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}) });
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 10, 28, 12));
  await initialize({ config, env: {}, clock });
  const alerts: SecurityAlert[] = [];
  const platform = await openPlatform({ config, env: {}, clock, securityNotifier: { notify: (alert) => alerts.push(alert) } });
  const pair = await initRecoveryRecipient(platform.dataDir, { now: clock.now() });
  await initDrillIdentity(platform.dataDir, platform.sealer);
  const target = new LocalDirectoryTarget(join(root, 'target'));
  const service = await wireBackup(platform, { env: {}, targets: options.targets?.(root) ?? [target], ...(options.targetTimeoutMs !== undefined ? { targetTimeoutMs: options.targetTimeoutMs } : {}) });
  const drillKey = await drillIdentity(platform);
  if (drillKey === undefined) throw new Error('no drill key');
  return {
    root,
    config,
    platform,
    clock,
    target,
    service,
    recoveryKey: pair.identity,
    drillKey,
    alerts,
    restoreDeps: (identity = pair.identity, from: BackupTarget = target) => ({
      target: from,
      identity,
      inspector: snapshotInspectorFor(options.databaseUrl),
      verifier: ed25519Verifier,
      restorer: snapshotRestorer(undefined),
      clock,
    }),
    dispose: async () => {
      await platform.close().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A target that works, fails like a full disk, or hangs, on demand. */
export class FlakyTarget implements BackupTarget {
  mode: 'ok' | 'disk-full' | 'hang' = 'ok';
  /** Puts left to fail before the mode returns to 'ok' (Infinity: stay). */
  failuresLeft = Number.POSITIVE_INFINITY;
  readonly name: string;
  constructor(private readonly inner: BackupTarget) {
    this.name = `flaky:${inner.name}`;
  }
  async put(key: string, body: Readable): Promise<void> {
    if (this.mode !== 'ok' && this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      body.resume();
      if (this.mode === 'hang') return new Promise<void>(() => undefined);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return this.inner.put(key, body);
  }
  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }
  listBackups(): Promise<string[]> {
    return this.inner.listBackups();
  }
  removeBackup(id: string): Promise<void> {
    return this.inner.removeBackup(id);
  }
}
