/**
 * The compliance report (issue 14): generate the signed report now (a fresh full audit), see
 * each HIPAA and FDA control with its status and evidence and the provider questionnaire, download
 * it as HTML, JSON or PDF, and check a report file's signature against the platform's audit
 * signing keys (the same check as `vigil compliance verify-report`, which works offline).
 */
import { useState, type ChangeEvent } from 'react';
import { ErrorNotice, Time } from '../../components/feedback';
import { useAction } from '../../components/use-action';
import { useSignedIn } from '../../session';
import { call, type ReportVerdict } from './api';
import { ComplianceNav } from './nav';

interface Control {
  readonly framework: string;
  readonly id: string;
  readonly title: string;
  readonly owner: string;
  readonly status: 'met' | 'findings' | 'not-evidenced' | 'hospital';
  readonly openFindings: number;
  readonly note: string;
}
interface Report {
  readonly generatedAt: string;
  readonly generatedBy: string;
  readonly run: { readonly id: string; readonly counts: { readonly pass: number; readonly fail: number } };
  readonly controls: readonly Control[];
  readonly questionnaire: ReadonlyArray<{ readonly question: string; readonly answer: string }>;
}
interface Signed {
  readonly keyId: string;
  readonly text: string;
  readonly report: Report;
}

const STATUS: Record<Control['status'], string> = { met: 'met', findings: 'open findings', 'not-evidenced': 'Vigil cannot evidence', hospital: "the hospital's own" };

function Verdict({ verdict }: { readonly verdict: ReportVerdict | null }) {
  if (verdict === null) return null;
  return (
    <div className={`notice ${verdict.valid ? '' : 'notice-error'}`} role="status" data-testid="report-verdict">
      <p>
        <strong>{verdict.valid ? 'Signature valid' : 'Signature NOT valid'}</strong>: {verdict.detail}
      </p>
    </div>
  );
}

export function ReportPage() {
  const csrf = useSignedIn().csrfToken;
  const generate = useAction();
  const verify = useAction();
  const [signed, setSigned] = useState<Signed | null>(null);
  const [verdict, setVerdict] = useState<ReportVerdict | null>(null);

  const run = async () => {
    setVerdict(null);
    const result = await generate.run(async () => {
      const response = await fetch('/api/v1/compliance/report?format=json', { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
      const text = await response.text();
      if (!response.ok) throw new Error((JSON.parse(text) as { error?: { message?: string } }).error?.message ?? `The server answered ${response.status}.`);
      const envelope = JSON.parse(text) as { keyId: string; payload: string };
      return { keyId: envelope.keyId, text, report: JSON.parse(envelope.payload) as Report };
    });
    if (result !== undefined) setSigned(result);
  };
  const check = async (content: string, encoding: 'utf8' | 'base64') => {
    const answer = await verify.run(() => call<ReportVerdict>(csrf, 'POST', '/api/v1/compliance/report/verify', { content, encoding }));
    if (answer !== undefined) setVerdict(answer);
  };
  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const isPdf = bytes[0] === 0x25 && bytes[1] === 0x50;
    if (isPdf) {
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      await check(btoa(binary), 'base64');
    } else await check(new TextDecoder().decode(bytes), 'utf8');
  };

  return (
    <section aria-labelledby="report-title">
      <div className="page-head">
        <h1 id="report-title">Compliance report</h1>
      </div>
      <ComplianceNav />
      <p>
        The report runs a full audit and answers, for each control of HIPAA §164.308, §164.310, §164.312 and §164.316 and FDA premarket guidance Appendix 1 A–H, the evidence Vigil holds now. It is
        signed with the audit signing key.
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={generate.busy} onClick={() => void run()}>
          Generate the report now
        </button>
        <a href="/api/v1/compliance/report?format=html" download>
          Download HTML
        </a>
        <a href="/api/v1/compliance/report?format=json" download>
          Download JSON
        </a>
        <a href="/api/v1/compliance/report?format=pdf" download>
          Download PDF
        </a>
        {generate.busy && <span role="status">Running a full audit…</span>}
      </div>
      <ErrorNotice error={generate.error} />
      <h2>Verify a report</h2>
      <div className="actions">
        <label>
          Report file (HTML, JSON or PDF)
          <input type="file" accept=".html,.json,.pdf" onChange={(e) => void upload(e)} />
        </label>
        {signed !== null && (
          <button type="button" disabled={verify.busy} onClick={() => void check(signed.text, 'utf8')}>
            Verify the report shown
          </button>
        )}
      </div>
      <ErrorNotice error={verify.error} />
      <Verdict verdict={verdict} />
      {signed !== null && (
        <>
          <h2>Controls</h2>
          <p className="muted small" data-testid="report-meta">
            Generated <Time iso={signed.report.generatedAt} /> by {signed.report.generatedBy}, audit run {signed.report.run.id} ({signed.report.run.counts.pass} pass, {signed.report.run.counts.fail} fail), signed by key{' '}
            <code>{signed.keyId}</code>.
          </p>
          <table className="table" data-testid="report-controls">
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">Owner</th>
                <th scope="col">Status</th>
                <th scope="col">Open findings</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {signed.report.controls.map((c) => (
                <tr key={`${c.framework}-${c.id}`}>
                  <td>
                    {c.framework} <code>{c.id}</code> {c.title}
                  </td>
                  <td>{c.owner}</td>
                  <td>{STATUS[c.status]}</td>
                  <td>{c.openFindings}</td>
                  <td>{c.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Provider questionnaire</h2>
          <dl className="facts">
            {signed.report.questionnaire.map((q) => (
              <div key={q.question}>
                <dt>{q.question}</dt>
                <dd>{q.answer}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  );
}
