/** A drill report as a self-contained, readable HTML page (no scripts, no external resources). */
import type { SignedDrillReport } from './drill.js';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function duration(ms: number | null): string {
  if (ms === null) return 'not reached';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function drillReportHtml(signed: SignedDrillReport): string {
  const r = signed.report;
  const checks = r.checks.map((c) => `<tr><td>${esc(c.name)}</td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'pass' : 'FAIL'}</td><td>${esc(c.detail)}</td></tr>`).join('');
  const objectives = r.objectives
    .map((o) => `<tr><td>${esc(o.dataClass)}</td><td>${o.rtoMinutes} min</td><td class="${o.rtoMet ? 'ok' : 'bad'}">${o.rtoMet ? 'met' : 'missed'}</td><td>${o.rpoMinutes} min</td><td class="${o.rpoMet ? 'ok' : 'bad'}">${o.rpoMet ? 'met' : 'missed'}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil DR drill ${esc(r.id)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.ok{color:#06623b}.bad{color:#b00020;font-weight:bold}code{word-break:break-all}</style>
</head><body>
<h1>Disaster-recovery drill: <span class="${r.ok ? 'ok' : 'bad'}">${r.ok ? 'PASSED' : 'FAILED'}</span></h1>
<p>Backup <code>${esc(r.backupId)}</code> from <code>${esc(r.target)}</code>; started ${esc(r.startedAt)}, finished ${esc(r.finishedAt)}.</p>
<p><strong>RTO</strong> (restore start to ready): ${duration(r.rtoMs)}. <strong>RPO</strong> (age of the backup's data at the drill's start): ${duration(r.rpoMs)}.</p>
<h2>Checks</h2><table><tr><th>check</th><th>result</th><th>detail</th></tr>${checks}</table>
<h2>Recovery objectives per data class</h2><table><tr><th>data class</th><th>RTO target</th><th></th><th>RPO target</th><th></th></tr>${objectives}</table>
<p>Signed by audit-signing key <code>${esc(signed.signature.keyId)}</code> (Ed25519 over the canonical JSON of the report):<br><code>${esc(signed.signature.value)}</code></p>
</body></html>
`;
}
