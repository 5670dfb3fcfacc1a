/**
 * Disaster-recovery drills (HIPAA §164.308(a)(7)(ii)(D), testing and revision): restore the
 * newest backup into scratch, boot a Vigil on it, check it works, measure RTO and RPO, stop it,
 * remove the scratch copy, and write a signed report.
 *
 *   RTO = from the start of the restore to /readyz answering 200 on the restored Vigil;
 *   RPO = the age of the newest backup's data when the drill started (drill start - snapshot time).
 *
 * MUST: the drill never touches the live data directory; the scratch copy is removed whatever
 *       the outcome.
 * MUST: the report is signed (Ed25519, the audit-signing key) over its canonical JSON, so it can
 *       be checked offline like a checkpoint.
 * MUST: a failed check fails the drill; the report names it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../keys/index.js';
import { canonicalJson } from './model.js';
import { restoreBackup, type RestoreDeps } from './restore.js';
import { makeScratchDir } from './scratch.js';

/** A data class an organization sets recovery targets for (§164.308(a)(7)(ii)(E), criticality). */
export type DataClass = 'phi' | 'telemetry' | 'audit' | 'keys' | 'config';
export const DATA_CLASSES: readonly DataClass[] = ['phi', 'telemetry', 'audit', 'keys', 'config'];

export interface RecoveryTarget {
  readonly rtoMinutes: number;
  readonly rpoMinutes: number;
}

export interface DrillCheck {
  readonly name: 'restore' | 'readyz' | 'audit-verify' | 'sealed-phi-opens' | 'device-ca-signs' | 'last-telemetry';
  readonly ok: boolean;
  readonly detail: string;
}

/** A Vigil started on a restored data directory, on free loopback ports. */
export interface BootedVigil {
  readonly httpPort: number;
  /** Resolves when /readyz answers 200 (rejects after the timeout). */
  waitReady(timeoutMs: number): Promise<void>;
  auditVerify(): Promise<{ ok: boolean; detail: string }>;
  /** Opens up to `sample` sealed PHI values; ok when every one opened (and vacuously with none). */
  openSealedSample(sample: number): Promise<{ ok: boolean; detail: string }>;
  signTestCsr(): Promise<{ ok: boolean; detail: string }>;
  lastTelemetryAt(): Promise<string | null>;
  /** The restored system's audit signer (signs the report of a whole-host-loss drill). */
  reportSigner(): Signer;
  close(): Promise<void>;
}

export interface DrillDeps extends Omit<RestoreDeps, 'onProgress'> {
  readonly boot: (dataDir: string) => Promise<BootedVigil>;
  /** Signs the report with the live audit key; absent (a whole-host-loss drill), the restored system's key signs. */
  readonly signer?: () => Promise<Signer>;
  readonly targets: Readonly<Record<DataClass, RecoveryTarget>>;
  readonly scratchRoot: string;
  readonly readyTimeoutMs?: number;
}

export interface DrillReport {
  readonly format: 'vigil-drill-report';
  readonly version: 1;
  readonly id: string;
  readonly backupId: string;
  readonly target: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly ok: boolean;
  readonly rtoMs: number | null;
  readonly rpoMs: number;
  readonly checks: readonly DrillCheck[];
  /** Each data class's targets and whether this drill met them. */
  readonly objectives: ReadonlyArray<{ dataClass: DataClass; rtoMinutes: number; rpoMinutes: number; rtoMet: boolean; rpoMet: boolean }>;
}

export interface SignedDrillReport {
  readonly report: DrillReport;
  readonly signature: { readonly keyId: string; readonly value: string };
}

export async function runDrill(deps: DrillDeps, backupId: string): Promise<SignedDrillReport> {
  const started = deps.clock.now();
  const t0 = performance.now();
  const scratch = await makeScratchDir(deps.scratchRoot, 'drill-');
  const checks: DrillCheck[] = [];
  let rtoMs: number | null = null;
  let snapshotAt = started;
  let manifestLastTelemetry: string | null = null;
  let booted: BootedVigil | undefined;
  let restoredSigner: Signer | undefined;
  try {
    const restored = await restoreBackup(deps, backupId, { dataDir: join(scratch, 'data'), dryRun: false });
    snapshotAt = new Date(restored.verified.manifest.startedAt);
    manifestLastTelemetry = restored.verified.manifest.lastTelemetryAt;
    const restoredMs = Math.round(performance.now() - t0);
    checks.push({ name: 'restore', ok: true, detail: `verified and restored (${restored.verified.auditEventsVerified} audit events) in ${restoredMs} ms` });
    booted = await deps.boot(restored.dataDir);
    const bootedMs = Math.round(performance.now() - t0);
    restoredSigner = booted.reportSigner();
    await booted.waitReady(deps.readyTimeoutMs ?? 60_000);
    rtoMs = Math.round(performance.now() - t0);
    checks.push({ name: 'readyz', ok: true, detail: `ready on 127.0.0.1:${booted.httpPort} after ${rtoMs} ms (restore ${restoredMs} ms, start ${bootedMs - restoredMs} ms, /readyz ${rtoMs - bootedMs} ms)` });
    checks.push({ name: 'audit-verify', ...(await booted.auditVerify()) });
    checks.push({ name: 'sealed-phi-opens', ...(await booted.openSealedSample(20)) });
    checks.push({ name: 'device-ca-signs', ...(await booted.signTestCsr()) });
    const last = await booted.lastTelemetryAt();
    checks.push({ name: 'last-telemetry', ok: last === manifestLastTelemetry, detail: `restored ${last ?? 'none'}, manifest ${manifestLastTelemetry ?? 'none'}` });
  } catch (error) {
    const failedAt: DrillCheck['name'] = checks.length === 0 ? 'restore' : 'readyz';
    checks.push({ name: failedAt, ok: false, detail: error instanceof Error ? error.message : String(error) });
  } finally {
    await booted?.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
  const rpoMs = Math.max(0, started.getTime() - snapshotAt.getTime());
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const report: DrillReport = {
    format: 'vigil-drill-report',
    version: 1,
    id: `drill-${started.toISOString().replace(/[-:.]/g, '')}`,
    backupId,
    target: deps.target.name,
    startedAt: started.toISOString(),
    finishedAt: deps.clock.now().toISOString(),
    ok,
    rtoMs,
    rpoMs,
    checks,
    objectives: Object.entries(deps.targets).map(([dataClass, t]) => ({
      dataClass: dataClass as DataClass,
      rtoMinutes: t.rtoMinutes,
      rpoMinutes: t.rpoMinutes,
      rtoMet: rtoMs !== null && rtoMs <= t.rtoMinutes * 60_000,
      rpoMet: rpoMs <= t.rpoMinutes * 60_000,
    })),
  };
  const signer = deps.signer ? await deps.signer() : restoredSigner;
  if (signer === undefined) return { report, signature: { keyId: 'unsigned', value: '' } };
  const value = Buffer.from(signer.sign(Buffer.from(canonicalJson(report), 'utf8'))).toString('base64');
  return { report, signature: { keyId: signer.keyId, value } };
}
