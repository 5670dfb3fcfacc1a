/**
 * The compliance report as one self-contained HTML page (inline CSS, no scripts, no external
 * resources), printable to PDF. MUST: every value is HTML-escaped.
 */
import type { ComplianceReport, ReportControl } from './report-model.js';

function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STATUS_LABEL: Record<ReportControl['status'], string> = { met: 'Met (evidenced)', findings: 'Findings open', 'not-evidenced': 'Vigil cannot evidence yet', hospital: "Hospital's own" };

function controlRow(c: ReportControl): string {
  const checks = c.checks.map((x) => `<li><code>${esc(x.id)}</code> ${esc(x.status)}${x.detail ? `: ${esc(x.detail)}` : ''}</li>`).join('');
  const config = Object.entries(c.config).map(([k, v]) => `<li><code>${esc(k)}</code> = ${esc(JSON.stringify(v))}</li>`).join('');
  const tests = c.tests.map((t) => `<li><code>${esc(t)}</code></li>`).join('');
  return `<tr class="${esc(c.status)}"><td>${esc(c.id)}</td><td>${esc(c.title)}<br><small>${esc(c.note)}</small></td><td>${esc(c.owner)}</td><td>${esc(STATUS_LABEL[c.status])}${c.openFindings > 0 ? ` (${c.openFindings} open)` : ''}</td><td><ul>${checks}${config}</ul></td><td><ul>${tests}</ul></td></tr>`;
}

export function renderReportHtml(r: ComplianceReport): string {
  const table = (framework: 'HIPAA' | 'FDA') =>
    `<table><thead><tr><th>Control</th><th>Requirement</th><th>Owner</th><th>Status</th><th>Live evidence</th><th>Tests that prove it</th></tr></thead><tbody>${r.controls.filter((c) => c.framework === framework).map(controlRow).join('')}</tbody></table>`;
  const checks = r.checks.map((c) => `<tr><td><code>${esc(c.id)}</code></td><td>${esc(c.title)}</td><td>${esc(c.severity)}</td><td>${esc(c.status)}</td><td>${esc(c.detail)}</td></tr>`).join('');
  const questions = r.questionnaire.map((q) => `<dt>${esc(q.question)}</dt><dd>${esc(q.answer)}<br><small>Evidence: ${q.evidence.map((e) => `<code>${esc(e)}</code>`).join(', ')}</small></dd>`).join('');
  const risks = r.risks.slice(0, 15).map((x) => `<tr><td>${esc(x.id)}</td><td>${esc(x.title)}</td><td>${x.inherentScore}</td><td>${x.residualScore}</td><td>${x.currentScore}</td><td>${x.needsReview ? 'review' : ''}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil compliance report ${esc(r.generatedAt)}</title>
<style>body{font:12px/1.4 system-ui,sans-serif;margin:24px;color:#111}h1{font-size:20px}h2{font-size:16px;margin-top:24px}table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:4px;vertical-align:top;text-align:left}ul{margin:0;padding-left:14px}tr.findings td:nth-child(4){color:#a00;font-weight:600}tr.not-evidenced td:nth-child(4){color:#a60}tr.met td:nth-child(4){color:#060}dt{font-weight:600;margin-top:8px}code{font-size:11px}</style></head>
<body>
<h1>Vigil compliance report</h1>
<p>Generated ${esc(r.generatedAt)} by ${esc(r.generatedBy)} from audit run <code>${esc(r.run.id)}</code> (${esc(r.run.cadence)}, ${esc(r.run.finishedAt)}): ${r.run.counts.pass} checks pass, ${r.run.counts.fail} fail, ${r.run.counts.notApplicable} not applicable, ${r.run.counts.error} error. Findings: ${r.findings.open} open, ${r.findings.suppressed} suppressed, ${r.findings.mitigated} mitigated, ${r.findings.resolved} resolved. ${esc(r.retention)}</p>
<p>This file is signed with Vigil's audit signing key: check it offline with <code>vigil compliance verify-report FILE</code>.</p>
<h2>HIPAA Security Rule (45 CFR §164.308, §164.310, §164.312, §164.316)</h2>${table('HIPAA')}
<h2>FDA premarket cybersecurity guidance, Appendix 1</h2>${table('FDA')}
<h2>Provider questionnaire</h2><dl>${questions}</dl>
<h2>Audit checks</h2><table><thead><tr><th>Check</th><th>Title</th><th>Severity</th><th>Status</th><th>Detail</th></tr></thead><tbody>${checks}</tbody></table>
<h2>Risk register (highest current score first)</h2><table><thead><tr><th>Risk</th><th>Title</th><th>Inherent</th><th>Residual</th><th>Current</th><th></th></tr></thead><tbody>${risks}</tbody></table>
<h2>Change control and vulnerabilities</h2><p>${r.changes.last90Days} changes in the last 90 days (${r.changes.emergencies} emergency, ${r.changes.emergenciesUnreviewed} emergency changes unreviewed). SBOM: ${r.vulnerabilities.sbomComponents} components; ${r.vulnerabilities.matches} advisory matches, ${r.vulnerabilities.openMatches} without VEX, ${r.vulnerabilities.knownExploited} known exploited. Feeds: ${r.vulnerabilities.feeds.map((f) => `${esc(f.kind)} imported ${esc(f.importedAt)} (feed date ${esc(f.feedDate)})`).join('; ') || 'none imported'}.</p>
</body></html>
`;
}
