/**
 * `vigil compliance audit|findings` (and later report|verify-report), `vigil changes`, `vigil risks`:
 * the operator on the host (the `cli` principal) runs audits and reads their results.
 *
 * MUST: every verb has --help and prints a one-line reason on failure (cli.ts's action()).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { auditKeysFromList } from '../audit/index.js';
import { verifySignedReport, type AuditRun, type ChangeRequest, type Finding, type FindingStatus } from '../compliance/index.js';
import { resolveDataDir } from '../config/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import { AppError, type Principal, type RequestContext } from '../kernel/index.js';
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

export async function runChangesList(config: Config, flags: { before?: string; status?: string; json?: boolean }): Promise<ChangeRequest[]> {
  if (flags.before !== undefined && Number.isNaN(Date.parse(flags.before))) throw new AppError('VALIDATION_FAILED', { detail: 'changes list: --before must be a date-time' });
  return withPlatform(config, async (platform) => {
    const list = await platform.compliance.changes.list(cliContext(), { before: flags.before, status: flags.status as ChangeRequest['status'] | undefined, limit: 1000 });
    if (flags.json === true) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else {
      for (const c of list) {
        process.stdout.write(`${c.id}  ${c.status.padEnd(9)} ${c.emergency ? 'EMERGENCY ' : ''}${c.kind} ${c.target}  by ${c.requestedBy}${c.decidedBy !== null ? `, approved by ${c.decidedBy}` : ''}${c.appliedAt !== null ? `, applied ${c.appliedAt}` : ''}  ${c.summary}\n`);
      }
      process.stdout.write(`${list.length} changes\n`);
    }
    return list;
  });
}

/**
 * Approves a change on the host as a named person: the approver proves their second factor with a
 * current TOTP code (the same step-up as over HTTP); the requester can never approve.
 */
export async function runChangesApprove(config: Config, id: string, flags: { username: string; totp: string; note?: string; org?: string }): Promise<ChangeRequest> {
  return withPlatform(config, async (platform) => {
    const host = cliContext();
    // Usernames are unique per organization: --org names it when the name exists in several.
    const orgId = flags.org === undefined ? undefined : (await platform.identity.resolveOrganization(flags.org)).id;
    const user = await platform.identity.findUserByUsername(host, flags.username, orgId);
    const principal: Principal = { kind: 'user', id: user.id, orgId: user.orgId, username: user.username, roles: user.roles, sessionId: 'cli-step-up', mfa: true };
    const ctx: RequestContext = { ...host, principal };
    const change = await platform.compliance.changes.approve(ctx, id, { stepUpCode: flags.totp, note: flags.note });
    process.stdout.write(`Change ${change.id} ${change.status} (approved by ${flags.username}).\n`);
    return change;
  });
}

export async function runRisksList(config: Config, flags: { json?: boolean }): Promise<void> {
  await withPlatform(config, async (platform) => {
    const risks = await platform.compliance.risks.list(cliContext());
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify(risks, null, 2)}\n`);
      return;
    }
    for (const r of risks) {
      process.stdout.write(`${r.id.padEnd(30)} L${r.likelihood}xI${r.impact}=${String(r.inherentScore).padStart(2)}  residual ${String(r.residualScore).padStart(2)}  now ${String(r.currentScore).padStart(2)}${r.needsReview ? '  REVIEW' : ''}  ${r.title}\n`);
    }
  });
}

export async function runRisksExport(config: Config, flags: { format?: string }): Promise<void> {
  const format = flags.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new AppError('VALIDATION_FAILED', { detail: 'risks export: --format must be csv or json' });
  await withPlatform(config, async (platform) => {
    process.stdout.write(await platform.compliance.risks.export(cliContext(), format));
  });
}

export async function runVulnerabilitiesImport(config: Config, file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', { detail: `vulnerabilities import: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}` });
  }
  await withPlatform(config, async (platform) => {
    const feed = await platform.compliance.vulnerabilities.import(cliContext(), text, basename(file));
    process.stdout.write(`Imported ${feed.records} ${feed.kind === 'osv' ? 'OSV advisories' : 'CISA KEV entries'} from ${feed.source} (feed date ${feed.feedDate}, imported ${feed.importedAt}).\n`);
    const matches = await platform.compliance.vulnerabilities.matches(cliContext());
    const open = matches.filter((m) => m.vex === null);
    for (const m of open) process.stdout.write(`  ${m.advisoryId}  ${m.component.purl}${m.knownExploited ? '  KNOWN EXPLOITED' : ''}  ${m.summary}\n`);
    process.stdout.write(`${open.length} components of Vigil's SBOM match an advisory without a VEX statement; run \`vigil compliance audit\` to record findings.\n`);
  });
}

export async function runComplianceReport(config: Config, flags: { format?: string; out?: string }): Promise<void> {
  const format = flags.format ?? 'html';
  if (format !== 'html' && format !== 'pdf' && format !== 'json') throw new AppError('VALIDATION_FAILED', { detail: 'compliance report: --format must be html, pdf or json' });
  if (format === 'pdf' && flags.out === undefined) throw new AppError('VALIDATION_FAILED', { detail: 'compliance report: --format pdf needs --out FILE' });
  await withPlatform(config, async (platform) => {
    const file = await platform.compliance.reports.generate(cliContext(), format);
    await platform.security.alerts.flush();
    if (flags.out === undefined) process.stdout.write(file);
    else {
      await writeFile(flags.out, file, { mode: 0o600 });
      process.stderr.write(`Wrote a signed ${format} report to ${flags.out} (${file.length} bytes); check it with: vigil compliance verify-report ${flags.out}\n`);
    }
  });
}

/**
 * Verifies a signed report offline: no master key and no database, only the trusted audit-signing
 * public keys (the data directory's keys/public-keys.json, or --public-key files).
 */
export async function runComplianceVerifyReport(config: Config, file: string, flags: { publicKey?: string[] }): Promise<void> {
  const bytes = await readFile(file).catch((error: unknown) => {
    throw new AppError('VALIDATION_FAILED', { detail: `verify-report: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}` });
  });
  const keys = new Map<string, string>();
  const supplied = flags.publicKey ?? [];
  const lists = supplied.length > 0 ? supplied : [keyStorePaths(resolveDataDir(config.dataDir)).publicKeysFile];
  for (const path of lists) {
    const text = await readFile(path, 'utf8').catch(() => {
      throw new AppError('VALIDATION_FAILED', { detail: `verify-report: cannot read the public key file ${path}` });
    });
    if (text.trimStart().startsWith('{')) for (const [id, pem] of auditKeysFromList(text)) keys.set(id, pem);
    else keys.set(signedKeyId(bytes), text);
  }
  const verified = verifySignedReport(bytes, { keys, verify: (pem, data, sig) => ed25519Verifier.verify(pem, data, sig) });
  process.stdout.write(`OK: ${file} is a ${verified.format} report signed by audit key ${verified.keyId}; not one byte changed.\n`);
}

/** The key id a signed file names (to pair with a PEM given on the command line). */
function signedKeyId(bytes: Buffer): string {
  const text = bytes.subarray(Math.max(0, bytes.length - 400)).toString('utf8');
  const json = bytes[0] === 0x7b ? bytes.subarray(0, 200).toString('utf8') : text;
  return /"keyId":"([^"]+)"/.exec(json)?.[1] ?? '';
}

/** Registers `vigil compliance …` on the program. */
export function registerComplianceCommands(program: Command, h: CliHelpers): void {
  const compliance = program.command('compliance').description('security audits, findings and compliance reports');
  h.withStorageOptions(compliance.command('audit'))
    .description('run the audit checks now (full by default), store the run and reconcile findings')
    .option('--daily', 'only the cheap daily checks')
    .option('--json', 'print the run as JSON')
    .action(h.action(async (flags: { config?: string; daily?: boolean; json?: boolean }) => void (await runComplianceAudit(h.config(flags).config, flags))));
  h.withStorageOptions(compliance.command('report'))
    .description('run a full audit and write the signed HIPAA/FDA compliance report (controls, live evidence, provider questionnaire)')
    .option('--format <format>', 'html (default), pdf (Chromium) or json')
    .option('--out <file>', 'write to this file (default: stdout; pdf needs a file)')
    .action(h.action(async (flags: { config?: string; format?: string; out?: string }) => runComplianceReport(h.config(flags).config, flags)));
  h.withStorageOptions(compliance.command('verify-report'))
    .description('verify a signed report offline (no master key, no database): exit 1 if any byte changed')
    .argument('<file>')
    .option('--public-key <file...>', 'trusted audit-signing key(s): PEM files or a public-keys.json list (default: <data-dir>/keys/public-keys.json)')
    .action(h.action(async (file: string, flags: { config?: string; publicKey?: string[] }) => runComplianceVerifyReport(h.config(flags).config, file, flags)));
  h.withStorageOptions(compliance.command('findings'))
    .description('list findings (open, mitigated, suppressed, resolved)')
    .option('--status <status>', 'open | mitigated | suppressed | resolved')
    .option('--check <id>', 'only this check, e.g. PPL-PRIVILEGED-NO-MFA')
    .option('--json', 'print as JSON')
    .action(h.action(async (flags: { config?: string; status?: string; check?: string; json?: boolean }) => void (await runComplianceFindings(h.config(flags).config, flags))));

  const risks = program.command('risks').description('the risk register (seeded from THREAT_MODEL.md)');
  h.withStorageOptions(risks.command('list'))
    .description('list risks with inherent, residual and current scores; REVIEW marks failing linked checks or a due review')
    .option('--json', 'print as JSON')
    .action(h.action(async (flags: { config?: string; json?: boolean }) => runRisksList(h.config(flags).config, flags)));
  h.withStorageOptions(risks.command('export'))
    .description('export the register to stdout')
    .option('--format <format>', 'csv (RFC 4180, default) or json')
    .action(h.action(async (flags: { config?: string; format?: string }) => runRisksExport(h.config(flags).config, flags)));

  const vulnerabilities = program.command('vulnerabilities').description("advisory feeds matched against Vigil's SBOM");
  h.withStorageOptions(vulnerabilities.command('import'))
    .description('import an advisory feed offline: OSV JSON (record, array or {"vulns": [...]}) or the CISA KEV catalogue JSON; an invalid record refuses the whole file')
    .argument('<file>')
    .action(h.action(async (file: string, flags: { config?: string }) => runVulnerabilitiesImport(h.config(flags).config, file)));

  const changes = program.command('changes').description('change requests for security-relevant changes (two-person approval)');
  h.withStorageOptions(changes.command('list'))
    .description('list change requests; --before TIME lists what was applied before that time')
    .option('--before <time>', 'ISO date-time, e.g. the start of an incident')
    .option('--status <status>', 'pending | approved | rejected | applied | failed')
    .option('--json', 'print as JSON')
    .action(h.action(async (flags: { config?: string; before?: string; status?: string; json?: boolean }) => void (await runChangesList(h.config(flags).config, flags))));
  h.withStorageOptions(changes.command('approve'))
    .description("approve another person's change request as --username, proving your second factor with --totp")
    .argument('<id>')
    .requiredOption('--username <name>', 'the approver (not the requester)')
    .option('--org <name-or-id>', "the approver's organization (needed when the username exists in several)")
    .requiredOption('--totp <code>', "the approver's current TOTP code")
    .option('--note <text>', 'a note kept with the decision')
    .action(h.action(async (id: string, flags: { config?: string; username: string; org?: string; totp: string; note?: string }) => void (await runChangesApprove(h.config(flags).config, id, flags))));
}
