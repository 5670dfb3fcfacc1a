/**
 * backup: snapshot -> seal (age, to the recovery recipient) -> signed manifest; verify; restore;
 * retention; drills.
 *
 * MUST: a backup is encrypted before it leaves the process, as a stream (flat memory).
 * MUST: the live master key never enters a backup; the recovery key alone restores everything
 *       (the key store travels re-sealed under a per-backup escrow key, inside the encryption).
 * MUST: restore builds only a NEW data directory, from a fully verified backup, and commits it
 *       only after a clean finish.
 * MUST: every backup, verification, prune, restore, drill and failure is audited; failures raise
 *       a security alert.
 */
export { BackupService, type BackupFailure, type BackupServiceDeps, type ListedBackup, type ScheduledRun, type VerifyReport } from './service.js';
export { createBackup, type CreateDeps, type CreateResult, type TargetOutcome } from './create.js';
export { verifyBackup, readManifest, type VerifiedBackup, type VerifyDeps } from './verify.js';
export { restoreBackup, type RestoreDeps, type RestoreResult } from './restore.js';
export { collectCarriedFiles, RECIPIENT_FILE, type CarriedFile } from './carried-files.js';
export { initDrillIdentity, initRecoveryRecipient, openDrillIdentity, readRecipient, requireRecipient, recipientFile } from './recovery-recipient.js';
export { decideRetention, DEFAULT_RETENTION, TIER_LOCK_DAYS, type RetentionPolicy, type RetentionTier } from './retention.js';
export { LocalDirectoryTarget } from './local-directory-target.js';
export type { BackupTarget } from './target.js';
export type { BackupRun, BackupRunStore, DatabaseFacts, DatabaseSnapshot, SnapshotInspection, SnapshotInspector, SnapshotRestorer, SnapshotSource } from './store.js';
export { MANIFEST_FILE, backupIdTime, parseSignedManifest, type BackupEngine, type BackupManifest, type BackupPart, type SignedManifest } from './model.js';
export { S3Target, type S3TargetOptions } from './s3-target.js';
export { runDrill, DATA_CLASSES, type BootedVigil, type DataClass, type DrillCheck, type DrillDeps, type DrillReport, type RecoveryTarget, type SignedDrillReport } from './drill.js';
export { drillReportHtml } from './drill-report-html.js';
export { canonicalJson } from './model.js';
export { buildOverview, type BackupOverview } from './overview.js';
export { ConsoleJobRunner, type ConsoleJob, type ConsoleJobKind, type ConsoleJobResult } from './console-jobs.js';
