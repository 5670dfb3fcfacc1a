/**
 * ReportService: builds the compliance report from live evidence (a fresh full audit run, the
 * findings, settings, risks, changes, vulnerabilities), renders it (JSON, HTML, PDF), signs it with
 * the audit signing key, and keeps a record of it (six years, HIPAA §164.316(b)(2)).
 *
 * MUST: compliance:manage to generate (it runs an audit); every report is audited
 *       ('compliance.report.generate') with the signing key id.
 * MUST: verify() trusts only the platform's audit-signing public keys (the same list as
 *       `vigil compliance verify-report`); it answers a verdict, never throws on a bad file.
 */
import { decide } from '../../access/index.js';
import { describeCheck } from '../checks/index.js';
import type { ChangeService } from '../changes/index.js';
import type { AuditRunService } from '../findings/index.js';
import type { RiskService } from '../risks/index.js';
import type { VulnerabilityService } from '../vulnerabilities/index.js';
import { sbomComponents } from '../vulnerabilities/index.js';
import { AppError, isAppError, SYSTEM_PRINCIPAL, type Clock, type RequestContext } from '../../kernel/index.js';
import { buildReport, type ComplianceReport } from './report-model.js';
import { renderReportHtml } from './render-html.js';
import { signReport, verifySignedReport, type ReportFormat, type ReportSigner, type ReportVerifier } from './signed-file.js';

export interface ReportVerdict {
  readonly valid: boolean;
  readonly format: ReportFormat | null;
  readonly keyId: string | null;
  readonly detail: string;
}

export interface ReportServiceDeps {
  readonly audits: AuditRunService;
  readonly changes: ChangeService;
  readonly risks: RiskService;
  readonly vulnerabilities: VulnerabilityService;
  readonly clock: Clock;
  readonly settings: () => Readonly<Record<string, unknown>>;
  readonly signer: () => ReportSigner;
  /** Prints HTML to PDF (Chromium headless); absent: PDF is refused. */
  readonly printPdf?: (html: string) => Promise<Buffer>;
  /** Records a generated report (kept six years) in the audit log of the same transaction. */
  readonly record: (ctx: RequestContext, entry: { readonly format: ReportFormat; readonly keyId: string; readonly bytes: number; readonly runId: string }) => Promise<void>;
  /** The trusted audit-signing public keys (keys/public-keys.json) and Ed25519 verification. */
  readonly verifier?: () => Promise<ReportVerifier>;
}

export class ReportService {
  constructor(private readonly deps: ReportServiceDeps) {}

  async build(ctx: RequestContext): Promise<ComplianceReport> {
    const run = await this.deps.audits.run(ctx, 'full');
    // The register, changes and matches are platform facts: read them as the host.
    const host: RequestContext = { ...ctx, principal: SYSTEM_PRINCIPAL };
    const [findings, risks, changes, feeds, matches, sbom] = await Promise.all([
      this.deps.audits.listFindings(ctx, { limit: 10_000 }),
      this.deps.risks.list(host),
      this.deps.changes.list(ctx, { limit: 1000 }),
      this.deps.vulnerabilities.feeds(host),
      this.deps.vulnerabilities.matches(host),
      this.deps.vulnerabilities.platformSbom(host).catch(() => null),
    ]);
    return buildReport({
      now: this.deps.clock.now(),
      generatedBy: `${ctx.principal.kind}:${ctx.principal.id}`,
      run,
      catalogue: this.deps.audits.checks.map(describeCheck),
      findings,
      settings: this.deps.settings(),
      risks,
      changes,
      feeds,
      matches,
      sbomComponents: sbomComponents(sbom).length,
    });
  }

  /** Checks a signed report file against the platform's trusted audit-signing keys. */
  async verify(ctx: RequestContext, file: Buffer): Promise<ReportVerdict> {
    const decision = decide(ctx.principal, 'compliance:read');
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
    if (!this.deps.verifier) throw new AppError('INTERNAL', { detail: 'compliance: no report verifier wired' });
    try {
      const verified = verifySignedReport(file, await this.deps.verifier());
      return { valid: true, format: verified.format, keyId: verified.keyId, detail: `a ${verified.format} report signed by audit key ${verified.keyId}; not one byte changed` };
    } catch (error) {
      if (isAppError(error) && error.code === 'COMPLIANCE_REPORT_INVALID') return { valid: false, format: null, keyId: null, detail: error.message };
      throw error;
    }
  }

  /** The signed file in the format asked for. */
  async generate(ctx: RequestContext, format: ReportFormat): Promise<Buffer> {
    const report = await this.build(ctx);
    let payload: Buffer;
    if (format === 'json') payload = Buffer.from(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'html') payload = Buffer.from(renderReportHtml(report));
    else {
      if (!this.deps.printPdf) throw new Error('compliance: PDF output needs Chromium (/usr/bin/chromium)');
      payload = await this.deps.printPdf(renderReportHtml(report));
    }
    const signer = this.deps.signer();
    const file = signReport(format, payload, signer);
    await this.deps.record(ctx, { format, keyId: signer.keyId, bytes: file.length, runId: report.run.id });
    return file;
  }
}
