/**
 * The check catalogue and the runner.
 *
 * MUST: check ids are unique (buildCatalogue throws on a duplicate, so a plugged-in module cannot
 *       shadow a built-in check).
 * MUST: one check's failure to run never hides the others: it is recorded as 'error' with its message.
 * MUST: runChecks yields to the event loop between checks (an audit runs beside ingest).
 */
import { deviceChecks } from './device-checks.js';
import type { ComplianceEvidence } from './evidence.js';
import type { AuditCheck, Cadence, Violation } from './model.js';
import { peopleChecks } from './people-checks.js';
import { platformChecks } from './platform-checks.js';

export const BUILT_IN_CHECKS: readonly AuditCheck[] = [...deviceChecks, ...peopleChecks, ...platformChecks];

/** The built-in checks plus those other modules contribute (vulnerabilities, change control, later firmware). */
export function buildCatalogue(extra: readonly AuditCheck[] = []): readonly AuditCheck[] {
  const all = [...BUILT_IN_CHECKS, ...extra];
  const seen = new Set<string>();
  for (const check of all) {
    if (seen.has(check.id)) throw new Error(`compliance: duplicate check id ${check.id}`);
    seen.add(check.id);
  }
  return all;
}

export type CheckStatus = 'pass' | 'fail' | 'not_applicable' | 'error';

export interface CheckResult {
  readonly checkId: string;
  readonly status: CheckStatus;
  /** Pass detail, the not-applicable reason, the error message, or a count of violations. */
  readonly detail: string;
  readonly violations: readonly Violation[];
  readonly durationMs: number;
}

/** Runs the checks of a cadence ('full' runs every check). Evidence reads are shared within the run. */
export async function runChecks(checks: readonly AuditCheck[], evidence: ComplianceEvidence, now: Date, cadence: Cadence): Promise<CheckResult[]> {
  const shared = memoized(evidence);
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (cadence === 'daily' && check.cadence !== 'daily') continue;
    // Yield to the event loop between checks: an audit runs beside ingest and requests.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const started = performance.now();
    try {
      const outcome = await check.run({ now, evidence: shared });
      const durationMs = Math.round(performance.now() - started);
      if (outcome.status === 'fail') results.push({ checkId: check.id, status: 'fail', detail: `${outcome.violations.length} affected`, violations: outcome.violations, durationMs });
      else if (outcome.status === 'pass') results.push({ checkId: check.id, status: 'pass', detail: outcome.detail, violations: [], durationMs });
      else results.push({ checkId: check.id, status: 'not_applicable', detail: outcome.reason, violations: [], durationMs });
    } catch (error) {
      results.push({ checkId: check.id, status: 'error', detail: error instanceof Error ? error.message : String(error), violations: [], durationMs: Math.round(performance.now() - started) });
    }
  }
  return results;
}

/** Wraps the zero-argument reads so that several checks reading devices() load them once. */
function memoized(evidence: ComplianceEvidence): ComplianceEvidence {
  const cache = new Map<string, Promise<unknown>>();
  function once<T>(name: string, load: () => Promise<T>): () => Promise<T> {
    return () => {
      let hit = cache.get(name) as Promise<T> | undefined;
      if (!hit) {
        hit = load();
        cache.set(name, hit);
      }
      return hit;
    };
  }
  const e = evidence;
  return {
    policy: e.policy,
    settings: e.settings,
    devices: once('devices', () => e.devices()),
    certificates: once('certificates', () => e.certificates()),
    openEnrollmentTokens: once('tokens', () => e.openEnrollmentTokens()),
    caCertificates: once('ca', () => e.caCertificates()),
    ...(e.connectedDevices ? { connectedDevices: once('connected', () => e.connectedDevices?.() ?? Promise.resolve([])) } : {}),
    topicAllowed: (deviceId, action, topic) => e.topicAllowed(deviceId, action, topic),
    users: once('users', () => e.users()),
    training: once('training', () => e.training()),
    breakGlass: once('breakGlass', () => e.breakGlass()),
    serviceAccounts: once('serviceAccounts', () => e.serviceAccounts()),
    keys: once('keys', () => e.keys()),
    auditIntegrity: once('audit', () => e.auditIntegrity()),
    deadLetters: once('deadLetters', () => e.deadLetters()),
    ...(e.backups ? { backups: e.backups } : {}),
    ...(e.firmware ? { firmware: e.firmware } : {}),
  };
}
