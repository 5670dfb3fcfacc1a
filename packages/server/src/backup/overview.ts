/**
 * What the console's "Backups & recovery" page shows: backups with size, duration and last
 * verification, the drills with RTO and RPO, and the next scheduled runs. No PHI: ids, targets,
 * sizes, times and outcomes.
 */
import type { BackupRun } from './store.js';
import type { ListedBackup } from './service.js';

export interface BackupOverview {
  configured: boolean;
  backups: Array<{
    id: string;
    target: string;
    engine: string;
    startedAt: string;
    createdAt: string;
    durationMs: number;
    bytes: number;
    auditHeadSeq: number;
    verification: { outcome: 'success' | 'failure'; at: string; detail: string } | null;
  }>;
  drills: Array<{ at: string; backupId: string | null; outcome: 'success' | 'failure'; rtoMs: number | null; rpoMs: number | null; report: string | null }>;
  failures: Array<{ at: string; kind: string; target: string; detail: string }>;
  nextRuns: Array<{ job: string; at: string | null }>;
  objectives: Record<string, { rtoMinutes: number; rpoMinutes: number }>;
}

export function buildOverview(input: {
  configured: boolean;
  listed: readonly ListedBackup[];
  runs: readonly BackupRun[];
  nextRuns: ReadonlyArray<{ job: string; at: string | null }>;
  objectives: Readonly<Record<string, { rtoMinutes: number; rpoMinutes: number }>>;
}): BackupOverview {
  const verifications = input.runs.filter((r) => r.kind === 'verify');
  const backups = [...input.listed]
    .sort((a, b) => (a.manifest.id < b.manifest.id ? 1 : -1))
    .map(({ target, manifest }) => {
      const v = verifications.find((r) => r.backupId === manifest.id && r.target === target);
      return {
        id: manifest.id,
        target,
        engine: manifest.engine,
        startedAt: manifest.startedAt,
        createdAt: manifest.createdAt,
        durationMs: Date.parse(manifest.createdAt) - Date.parse(manifest.startedAt),
        bytes: manifest.parts.reduce((n, p) => n + p.cipherBytes, 0),
        auditHeadSeq: manifest.auditHead?.seq ?? 0,
        verification: v ? { outcome: v.outcome, at: v.finishedAt, detail: v.detail } : null,
      };
    });
  const drills = input.runs
    .filter((r) => r.kind === 'drill')
    .map((r) => {
      const parsed = parseDrillDetail(r.detail);
      return { at: r.startedAt, backupId: r.backupId, outcome: r.outcome, rtoMs: parsed.rtoMs, rpoMs: parsed.rpoMs, report: parsed.report };
    });
  const failures = input.runs.filter((r) => r.outcome === 'failure').map((r) => ({ at: r.startedAt, kind: r.kind, target: r.target, detail: r.detail }));
  return { configured: input.configured, backups, drills, failures, nextRuns: [...input.nextRuns], objectives: { ...input.objectives } };
}

function parseDrillDetail(detail: string): { rtoMs: number | null; rpoMs: number | null; report: string | null } {
  try {
    const value = JSON.parse(detail) as { rtoMs?: unknown; rpoMs?: unknown; report?: unknown };
    return {
      rtoMs: typeof value.rtoMs === 'number' ? value.rtoMs : null,
      rpoMs: typeof value.rpoMs === 'number' ? value.rpoMs : null,
      report: typeof value.report === 'string' ? value.report : null,
    };
  } catch {
    return { rtoMs: null, rpoMs: null, report: null };
  }
}
