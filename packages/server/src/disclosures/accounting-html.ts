/**
 * The accounting of disclosures as a printable HTML page (§164.528(b)-(c)): what the individual
 * receives on paper. Self-contained (inline CSS, no script), every value escaped.
 *
 * MUST: every value is HTML-escaped; the page loads nothing and runs no script.
 */
import { ACCOUNTING_YEARS, type Accounting } from './model.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
const day = (iso: string): string => iso.slice(0, 10);

export function accountingHtml(accounting: Accounting, organizationName?: string): string {
  const rows = accounting.entries
    .map((e) => {
      const when = e.summary === null ? esc(day(e.disclosedAt)) : `${esc(day(e.summary.firstAt))} (first)<br>${e.summary.count} disclosures<br>${esc(day(e.summary.lastAt))} (last)`;
      return `<tr><td>${when}</td><td>${esc(e.recipientName)}${e.recipientAddress === null ? '' : `<br><span class="muted">${esc(e.recipientAddress)}</span>`}</td><td>${esc(e.description)}</td><td>${esc(e.purposeStatement)}<br><span class="muted">${esc(e.purposeText)}</span></td></tr>`;
    })
    .join('\n');
  const body =
    accounting.entries.length === 0
      ? '<p>No disclosures that the accounting must include were made in this period.</p>'
      : `<table><thead><tr><th>Date</th><th>Recipient</th><th>Information disclosed</th><th>Purpose</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Accounting of disclosures</title>
<style>
body { font: 12pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 0.4em; vertical-align: top; text-align: left; }
.muted { color: #555; font-size: 0.9em; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Accounting of disclosures</h1>
<p>${organizationName === undefined ? '' : `${esc(organizationName)}<br>`}Patient reference: ${esc(accounting.patientId)}<br>
Period: ${esc(day(accounting.from))} to ${esc(day(accounting.to))} (up to ${ACCOUNTING_YEARS} years, HIPAA §164.528)<br>
Prepared: ${esc(accounting.generatedAt)}</p>
${body}
<p class="muted">This accounting lists disclosures of your health information to others, as required by 45 CFR §164.528.
It does not list disclosures for treatment, payment or health care operations, to you, incidental disclosures,
disclosures you authorized, disclosures for a facility directory or to persons involved in your care,
for national security or intelligence, to correctional institutions or law enforcement with custody,
or as part of a limited data set. Repeated disclosures to one recipient for one purpose are shown once,
with their number and the dates of the first and the last.</p>
</body>
</html>
`;
}
