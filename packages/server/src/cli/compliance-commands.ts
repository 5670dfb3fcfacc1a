/**
 * `vigil compliance audit|findings` (and later report|verify-report), `vigil changes`, `vigil risks`:
 * the operator on the host (the `cli` principal) runs audits and reads their results.
 *
 * MUST: every verb has --help and prints a one-line reason on failure (cli.ts's action()).
 */
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import type { AuditRun, Finding, FindingStatus } from '../compliance/index.js';
import { AppError } from '../kernel/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';

export interface CliHelpers {
  readonly withStorageOptions: (cmd: Command) => Command;
  readonly action: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;
  readonly config: (flags: { config?: string }) => { config: Config };
}

export async function withPlatform<T>(config: Config, fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

const STATUSES: readonly FindingStatus[] = ['open', 'mitigated', 'suppressed', 'resolved'];

export async function runComplianceAudit(config: Config, flags: { daily?: boolean; json?: boolean }): Promise<AuditRun> {
  return withPlatform(config, async (platform) => {
    const run = await platform.compliance.audits.run(cliContext(), flags.daily === true ? 'daily' : 'full');
    await platform.security.alerts.flush();
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      return run;
    }
    for (const r of run.results) process.stdout.write(`${r.status.padEnd(14)} ${r.checkId.padEnd(32)} ${r.detail}\n`);
    const c = run.counts;
    process.stdout.write(`\n${run.cadence} audit ${run.id}: ${c.pass} pass, ${c.fail} fail, ${c.notApplicable} not applicable, ${c.error} error; findings ${c.opened} opened, ${c.reopened} reopened, ${c.resolved} resolved\n`);
    return run;
  });
}

export async function runComplianceFindings(config: Config, flags: { status?: string; check?: string; json?: boolean }): Promise<Finding[]> {
  const status = flags.status;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw new AppError('VALIDATION_FAILED', { detail: `compliance findings: --status must be one of ${STATUSES.join(', ')}` });
  }
  return withPlatform(config, async (platform) => {
    const findings = await platform.compliance.audits.listFindings(cliContext(), { status: status as FindingStatus | undefined, checkId: flags.check, limit: 10_000 });
    if (flags.json === true) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
    else {
      for (const f of findings) process.stdout.write(`${f.id}  ${f.status.padEnd(10)} ${f.severity.padEnd(8)} ${f.checkId.padEnd(30)} ${f.resourceType}:${f.resourceId}  ${f.detail}\n`);
      process.stdout.write(`${findings.length} findings\n`);
    }
    return findings;
  });
}

/** Registers `vigil compliance …` on the program. */
export function registerComplianceCommands(program: Command, h: CliHelpers): void {
  const compliance = program.command('compliance').description('security audits, findings and compliance reports');
  h.withStorageOptions(compliance.command('audit'))
    .description('run the audit checks now (full by default), store the run and reconcile findings')
    .option('--daily', 'only the cheap daily checks')
    .option('--json', 'print the run as JSON')
    .action(h.action(async (flags: { config?: string; daily?: boolean; json?: boolean }) => void (await runComplianceAudit(h.config(flags).config, flags))));
  h.withStorageOptions(compliance.command('findings'))
    .description('list findings (open, mitigated, suppressed, resolved)')
    .option('--status <status>', 'open | mitigated | suppressed | resolved')
    .option('--check <id>', 'only this check, e.g. PPL-PRIVILEGED-NO-MFA')
    .option('--json', 'print as JSON')
    .action(h.action(async (flags: { config?: string; status?: string; check?: string; json?: boolean }) => void (await runComplianceFindings(h.config(flags).config, flags))));
}
