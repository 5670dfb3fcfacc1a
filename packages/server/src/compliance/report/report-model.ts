/**
 * The compliance report as data, built from live evidence (pure: the service gathers the inputs).
 *
 * MUST: a control's status says plainly what Vigil can show: 'met' (its checks pass), 'findings'
 *       (a check fails or has open findings), 'not-evidenced' (no check could evaluate, e.g. the
 *       module is absent), or 'hospital' (the hospital's own to meet).
 */
import type { CheckDescription } from '../checks/index.js';
import type { AuditRun } from '../findings/index.js';
import type { Finding } from '../findings/index.js';
import type { RiskView } from '../risks/index.js';
import type { ChangeRequest } from '../changes/index.js';
import type { FeedImport, MatchView } from '../vulnerabilities/index.js';
import { CONTROLS, type ControlOwner } from './controls.js';

export type ControlStatus = 'met' | 'findings' | 'not-evidenced' | 'hospital';

export interface ReportControl {
  readonly framework: 'HIPAA' | 'FDA';
  readonly id: string;
  readonly title: string;
  readonly owner: ControlOwner;
  readonly status: ControlStatus;
  readonly checks: ReadonlyArray<{ readonly id: string; readonly status: string; readonly detail: string }>;
  readonly openFindings: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly tests: readonly string[];
  readonly note: string;
}

export interface QuestionnaireAnswer {
  readonly question: string;
  readonly answer: string;
  readonly evidence: readonly string[];
}

export interface ComplianceReport {
  readonly kind: 'vigil-compliance-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly generatedBy: string;
  readonly retention: string;
  readonly run: { readonly id: string; readonly cadence: string; readonly finishedAt: string; readonly counts: AuditRun['counts'] };
  readonly controls: readonly ReportControl[];
  readonly checks: ReadonlyArray<CheckDescription & { readonly status: string; readonly detail: string; readonly affected: number }>;
  readonly findings: { readonly open: number; readonly mitigated: number; readonly suppressed: number; readonly resolved: number; readonly openBySeverity: Readonly<Record<string, number>> };
  readonly risks: ReadonlyArray<{ readonly id: string; readonly title: string; readonly inherentScore: number; readonly residualScore: number; readonly currentScore: number; readonly needsReview: boolean }>;
  readonly changes: { readonly last90Days: number; readonly emergencies: number; readonly emergenciesUnreviewed: number };
  readonly vulnerabilities: { readonly feeds: ReadonlyArray<{ kind: string; importedAt: string; feedDate: string; records: number }>; readonly matches: number; readonly openMatches: number; readonly knownExploited: number; readonly sbomComponents: number };
  readonly questionnaire: readonly QuestionnaireAnswer[];
}

export interface ReportInputs {
  readonly now: Date;
  readonly generatedBy: string;
  readonly run: AuditRun;
  readonly catalogue: readonly CheckDescription[];
  readonly findings: readonly Finding[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly risks: readonly RiskView[];
  readonly changes: readonly ChangeRequest[];
  readonly feeds: readonly FeedImport[];
  readonly matches: readonly MatchView[];
  readonly sbomComponents: number;
}

export function buildReport(i: ReportInputs): ComplianceReport {
  const result = new Map(i.run.results.map((r) => [r.checkId, r]));
  const openByCheck = new Map<string, number>();
  for (const f of i.findings) if (f.status === 'open') openByCheck.set(f.checkId, (openByCheck.get(f.checkId) ?? 0) + 1);
  const controls = CONTROLS.map((c): ReportControl => {
    const checks = c.checks.map((id) => ({ id, status: result.get(id)?.status ?? 'not-run', detail: result.get(id)?.detail ?? '' }));
    const openFindings = c.checks.reduce((n, id) => n + (openByCheck.get(id) ?? 0), 0);
    const evaluated = checks.filter((x) => x.status === 'pass' || x.status === 'fail');
    const status: ControlStatus =
      c.owner === 'hospital' ? 'hospital' : openFindings > 0 || checks.some((x) => x.status === 'fail' || x.status === 'error') ? 'findings' : evaluated.length > 0 || (c.checks.length === 0 && c.tests.length > 0) ? 'met' : 'not-evidenced';
    return { framework: c.framework, id: c.id, title: c.title, owner: c.owner, status, checks, openFindings, config: Object.fromEntries(c.config.map((k) => [k, i.settings[k] ?? null])), tests: c.tests, note: c.note };
  });
  const count = (s: string) => i.findings.filter((f) => f.status === s).length;
  const openBySeverity: Record<string, number> = {};
  for (const f of i.findings) if (f.status === 'open') openBySeverity[f.severity] = (openBySeverity[f.severity] ?? 0) + 1;
  const since = i.now.getTime() - 90 * 86_400_000;
  const recent = i.changes.filter((c) => Date.parse(c.requestedAt) >= since);
  const st = (id: string) => `${id}: ${result.get(id)?.status ?? 'not-run'}${result.get(id)?.detail ? ` (${result.get(id)?.detail ?? ''})` : ''}`;
  const s = i.settings;
  const questionnaire: QuestionnaireAnswer[] = [
    { question: 'Is PHI encrypted at rest?', answer: `Yes: demographics are sealed field by field with AES-256-GCM envelope encryption under a key-encryption key in Vigil's key store; key rotation re-wraps them. ${st('PLT-KEY-AGE')}.`, evidence: ['/api/v1/compliance/audits', 'keys/envelope-sealer.test.ts'] },
    { question: 'Is data encrypted in transit?', answer: `Yes: HTTPS and MQTT use ${String(s['tlsMinVersion'])} or newer with forward-secret AEAD suites only; devices use mutual TLS. ${st('PLT-TLS-PROFILE')}; ${st('PLT-INSECURE-FLAGS')}.`, evidence: ['transports/http/tls-profile.test.ts'] },
    { question: 'How is access controlled?', answer: `Role-based, organization-scoped, deny by default; PHI only with current training and a care relationship or audited break-glass. ${st('DEV-TOPIC-ACL-WIDE')}; ${st('PPL-TRAINING-LAPSED')}; ${st('PPL-BREAK-GLASS-UNREVIEWED')}.`, evidence: ['integration/access-matrix.test.ts', '/api/v1/access/explain'] },
    { question: 'Is multi-factor authentication enforced?', answer: `For privileged roles (platform-admin, org-admin, security-officer) a login cannot complete without TOTP or a passkey; approvals of security changes ask for it again. ${st('PPL-PRIVILEGED-NO-MFA')}.`, evidence: ['integration/identity-http.test.ts', 'integration/compliance-changes.test.ts'] },
    { question: 'Are audit logs kept and protected?', answer: `Every state change and PHI read is audited in its transaction, hash-chained and checkpointed with Ed25519 signatures, verified offline with \`vigil audit verify\`. ${st('PLT-AUDIT-CHAIN')}.`, evidence: ['integration/audit-tamper.test.ts', '/api/v1/audit'] },
    { question: 'Are backups taken and tested?', answer: `${st('PLT-BACKUP-RECENT')}; ${st('PLT-DR-DRILL')}.`, evidence: ['/api/v1/compliance/audits'] },
    { question: 'How are security incidents detected and handled?', answer: `Detectors over one security-event stream raise alerts delivered by webhook, email and syslog. ${st('PLT-DETECTORS-ENABLED')}; ${st('PLT-DEAD-LETTERS')}. Incident handling procedures are the hospital's own.`, evidence: ['integration/security-drill.test.ts', '/api/v1/security/alerts'] },
    { question: 'How are vulnerabilities managed?', answer: `Vigil's own SBOM (${i.sbomComponents} components) is matched against imported advisory feeds; ${i.matches.length} matches, ${i.matches.filter((m) => m.vex === null).length} without a VEX statement. ${st('VULN-FEED-STALE')}.`, evidence: ['/api/v1/platform/sbom', '/api/v1/compliance/vulnerabilities', '/api/v1/compliance/vex'] },
    { question: 'How are changes controlled?', answer: `Security-relevant changes need a change request approved by a second person who passes MFA again; ${recent.length} changes in the last 90 days, ${recent.filter((c) => c.emergency).length} emergency. ${st('CHG-EMERGENCY-UNREVIEWED')}.`, evidence: ['/api/v1/changes', 'integration/compliance-changes.test.ts'] },
    { question: 'Is the platform penetration-tested?', answer: 'Vigil cannot evidence a penetration test: that is the provider\'s and the hospital\'s own to commission. Automated evidence in this repository: the access matrix over every route and role, fuzzing of MQTT and HTTP, and TLS profile tests.', evidence: ['integration/access-matrix.test.ts'] },
  ];
  return {
    kind: 'vigil-compliance-report',
    version: 1,
    generatedAt: i.now.toISOString(),
    generatedBy: i.generatedBy,
    retention: 'Reports, audit runs, findings and their closure are kept six years (HIPAA §164.316(b)(2)).',
    run: { id: i.run.id, cadence: i.run.cadence, finishedAt: i.run.finishedAt, counts: i.run.counts },
    controls,
    checks: i.catalogue.map((c) => ({ ...c, status: result.get(c.id)?.status ?? 'not-run', detail: result.get(c.id)?.detail ?? '', affected: result.get(c.id)?.affected ?? 0 })),
    findings: { open: count('open'), mitigated: count('mitigated'), suppressed: count('suppressed'), resolved: count('resolved'), openBySeverity },
    risks: i.risks.map((r) => ({ id: r.id, title: r.title, inherentScore: r.inherentScore, residualScore: r.residualScore, currentScore: r.currentScore, needsReview: r.needsReview })),
    changes: { last90Days: recent.length, emergencies: recent.filter((c) => c.emergency).length, emergenciesUnreviewed: i.changes.filter((c) => c.emergency && c.reviewedAt === null).length },
    vulnerabilities: {
      feeds: i.feeds.map((f) => ({ kind: f.kind, importedAt: f.importedAt, feedDate: f.feedDate, records: f.records })),
      matches: i.matches.length,
      openMatches: i.matches.filter((m) => m.vex === null).length,
      knownExploited: i.matches.filter((m) => m.knownExploited).length,
      sbomComponents: i.sbomComponents,
    },
    questionnaire,
  };
}
