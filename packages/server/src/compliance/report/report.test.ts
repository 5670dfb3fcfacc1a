/**
 * The compliance report: every control names real checks and real test files; controls get a
 * plain status; a signed report verifies, and a one-byte change anywhere fails verification (JSON,
 * HTML and PDF framing); an untrusted key fails.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUILT_IN_CHECKS, describeCheck } from '../checks/index.js';
import { NOW } from '../checks/fake-evidence.js';
import type { AuditRun } from '../findings/index.js';
import { CONTROLS } from './controls.js';
import { renderReportHtml } from './render-html.js';
import { buildReport } from './report-model.js';
import { signReport, verifySignedReport, type ReportFormat, type ReportVerifier } from './signed-file.js';

const SRC = new URL('../../../src/', import.meta.url);
const EXTRA = ['CHG-EMERGENCY-UNREVIEWED', 'VULN-COMPONENT', 'VULN-FEED-STALE', 'VULN-FIRMWARE-SBOM'];

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signer = { keyId: 'audit-test-1', sign: (data: Uint8Array) => edSign(null, data, privateKey) };
const verifier: ReportVerifier = {
  keys: new Map([['audit-test-1', pem]]),
  verify: (p, data, sig) => {
    try {
      return edVerify(null, data, p, sig);
    } catch {
      return false;
    }
  },
};

function run(results: AuditRun['results']): AuditRun {
  return { id: 'run-1', cadence: 'full', startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), actor: 'system:system', results, counts: { pass: 0, fail: 0, notApplicable: 0, error: 0, opened: 0, reopened: 0, resolved: 0 } };
}

function report() {
  const results = BUILT_IN_CHECKS.map((c) => ({ checkId: c.id, status: c.id === 'PLT-TLS-PROFILE' ? 'fail' : c.id.startsWith('PLT-BACKUP') || c.id === 'PLT-DR-DRILL' ? 'not_applicable' : 'pass', detail: 'x', affected: 0, durationMs: 1 }) as const);
  return buildReport({ now: NOW, generatedBy: 'cli:test', run: run(results), catalogue: BUILT_IN_CHECKS.map(describeCheck), findings: [], settings: { tlsMinVersion: 'TLSv1.2' }, risks: [], changes: [], feeds: [], matches: [], sbomComponents: 242 });
}

describe('compliance report', () => {
  it('ok/every control names known checks and test files that exist in this repository', () => {
    const known = new Set([...BUILT_IN_CHECKS.map((c) => c.id), ...EXTRA]);
    for (const c of CONTROLS) {
      for (const id of c.checks) assert.ok(known.has(id), `${c.id} names check ${id}`);
      for (const t of c.tests) assert.ok(existsSync(new URL(t, SRC)), `${c.id} names test ${t}`);
    }
    const fda = CONTROLS.filter((c) => c.framework === 'FDA').map((c) => c.id);
    assert.deepEqual(fda, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']);
    for (const part of ['§164.308', '§164.310', '§164.312', '§164.316']) assert.ok(CONTROLS.some((c) => c.id.startsWith(part)), part);
  });

  it('ok/controls say plainly: met, findings, not evidenced, or the hospital’s own; the questionnaire is answered', () => {
    const r = report();
    const byId = new Map(r.controls.map((c) => [c.id, c]));
    assert.equal(byId.get('§164.312(e)(1)')?.status, 'findings');
    assert.equal(byId.get('§164.312(b)')?.status, 'met');
    assert.equal(byId.get('§164.308(a)(7)(ii)(A)')?.status, 'not-evidenced');
    assert.equal(byId.get('§164.308(b)(1)')?.status, 'hospital');
    assert.equal(r.questionnaire.length, 10);
    assert.ok(r.questionnaire.some((q) => q.question.includes('penetration') && q.answer.includes('cannot evidence')));
    const html = renderReportHtml(r);
    assert.match(html, /Provider questionnaire/);
    assert.ok(!html.includes('<script'));
  });

  const formats: Array<[ReportFormat, Buffer]> = [
    ['json', Buffer.from(JSON.stringify(report(), null, 2))],
    ['html', Buffer.from(renderReportHtml(report()))],
    ['pdf', Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1')],
  ];
  for (const [format, payload] of formats) {
    it(`ok/a signed ${format} report verifies offline`, () => {
      const file = signReport(format, payload, signer);
      const verified = verifySignedReport(file, verifier);
      assert.equal(verified.format, format);
      assert.ok(verified.payload.equals(payload));
    });

    it(`fail/a signed ${format} report with one byte changed fails verification (every position class)`, () => {
      const file = signReport(format, payload, signer);
      const positions = [0, Math.floor(file.length / 3), Math.floor(file.length / 2), file.length - 30, file.length - 5, file.length - 1];
      for (const at of positions) {
        const changed = Buffer.from(file);
        changed[at] = (changed[at] ?? 0) ^ 0x01;
        assert.throws(() => verifySignedReport(changed, verifier), { code: 'COMPLIANCE_REPORT_INVALID' }, `byte ${at} of ${file.length}`);
      }
    });
  }

  it('fail/a report signed by an untrusted key fails', () => {
    const other = generateKeyPairSync('ed25519');
    const file = signReport('json', Buffer.from('{}'), { keyId: 'audit-test-1', sign: (d) => edSign(null, d, other.privateKey) });
    assert.throws(() => verifySignedReport(file, verifier), { code: 'COMPLIANCE_REPORT_INVALID' });
    const unknown = signReport('json', Buffer.from('{}'), { keyId: 'someone-else', sign: (d) => edSign(null, d, privateKey) });
    assert.throws(() => verifySignedReport(unknown, verifier), /not a trusted audit-signing key/);
  });
});
