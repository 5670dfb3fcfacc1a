/**
 * "Audits & findings" (issue 14): the audit runs (run one now), and the findings filtered by
 * status, severity and check (the shared FilterBar, the filter in the URL); from a finding, suppress it (reason, owner, expiry: it reopens at
 * the expiry) or take a mitigation action through the module that owns the resource. The server
 * decides (compliance:read to see, compliance:manage to act) and audits every change.
 */
import { useState, type FormEvent } from 'react';
import { can } from '../../capabilities';
import { ErrorNotice, Loading, Time } from '../../components/feedback';
import { FilterBar } from '../../components/filter-bar';
import { ResourceProblem, useResource } from '../../components/resource';
import { oneOf, useUrlFilters } from '../../components/url-filters';
import { useAction } from '../../components/use-action';
import { useSignedIn } from '../../session';
import { call, MITIGATION_ACTIONS, qs, type AuditRun, type Check, type Finding } from './api';
import { ComplianceNav } from './nav';

const STATUSES = ['open', 'mitigated', 'suppressed', 'resolved'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** The URL value of "any status" (the default, no value, is "open"). */
const ANY_STATUS = 'any';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function FindingActions({ finding, csrf, onDone }: { readonly finding: Finding; readonly csrf: string; readonly onDone: () => void }) {
  const action = useAction();
  const [mode, setMode] = useState<'none' | 'suppress'>('none');
  const [reason, setReason] = useState('');
  const [owner, setOwner] = useState('');
  const [expires, setExpires] = useState(inDays(30));
  const [mitigation, setMitigation] = useState<string>('');
  const suppress = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(() => call(csrf, 'POST', `/api/v1/compliance/findings/${finding.id}/suppress`, { reason, owner, expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() }));
    if (done !== undefined) onDone();
  };
  const mitigate = async () => {
    if (mitigation === '') return;
    const done = await action.run(() => call(csrf, 'POST', `/api/v1/compliance/findings/${finding.id}/actions`, { action: mitigation }));
    if (done !== undefined) onDone();
  };
  if (finding.status === 'resolved') return <span className="muted">—</span>;
  return (
    <div>
      <div className="actions">
        <label>
          Mitigation
          <select value={mitigation} onChange={(e) => setMitigation(e.target.value)} aria-label={`Mitigation for finding ${finding.checkId} ${finding.resourceId}`}>
            <option value="">choose…</option>
            {MITIGATION_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={action.busy || mitigation === ''} onClick={() => void mitigate()}>
          Run
        </button>
        {finding.status !== 'suppressed' && (
          <button type="button" onClick={() => setMode(mode === 'suppress' ? 'none' : 'suppress')} aria-expanded={mode === 'suppress'}>
            Suppress…
          </button>
        )}
      </div>
      {mode === 'suppress' && (
        <form className="form" onSubmit={(e) => void suppress(e)} aria-label={`Suppress finding ${finding.checkId} ${finding.resourceId}`}>
          <label>
            Reason
            <input required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <label>
            Owner
            <input required value={owner} onChange={(e) => setOwner(e.target.value)} />
          </label>
          <label>
            Expires
            <input type="date" required value={expires} min={inDays(0)} max={inDays(365)} onChange={(e) => setExpires(e.target.value)} />
          </label>
          <button type="submit" disabled={action.busy}>
            Suppress
          </button>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </div>
  );
}

export function AuditsPage() {
  const signedIn = useSignedIn();
  const csrf = signedIn.csrfToken;
  const manage = can(signedIn.roles, 'compliance:manage');
  // The filter lives in the URL (a reload, Back or a shared link shows the same findings); the
  // values are untrusted, so each is checked before it is sent (the server checks again).
  const filters = useUrlFilters({ status: 'open', severity: '', checkId: '' });
  const status = oneOf(filters.values.status, [...STATUSES, ANY_STATUS], 'open');
  const filter = { status: status === ANY_STATUS ? '' : status, severity: oneOf(filters.values.severity, ['', ...SEVERITIES], ''), checkId: /^[A-Z0-9-]{1,64}$/.test(filters.values.checkId) ? filters.values.checkId : '' };
  const [runs, reloadRuns] = useResource(() => call<{ runs: AuditRun[] }>(csrf, 'GET', '/api/v1/compliance/audits?limit=10').then((r) => r.runs), 'compliance-runs');
  const [checks] = useResource(() => call<{ checks: Check[] }>(csrf, 'GET', '/api/v1/compliance/checks').then((r) => r.checks), 'compliance-checks');
  const [findings, reloadFindings] = useResource(() => call<{ findings: Finding[] }>(csrf, 'GET', `/api/v1/compliance/findings${qs({ ...filter, limit: '500' })}`).then((r) => r.findings), `compliance-findings:${JSON.stringify(filter)}`);
  const runAction = useAction();
  const runNow = async (cadence: 'full' | 'daily') => {
    const done = await runAction.run(() => call<AuditRun>(csrf, 'POST', '/api/v1/compliance/audits', { cadence }));
    if (done !== undefined) {
      reloadRuns();
      reloadFindings();
    }
  };
  if (runs.status === 'error') return <ResourceProblem error={runs.error} />;
  return (
    <section aria-labelledby="audits-title">
      <div className="page-head">
        <h1 id="audits-title">Security audits &amp; findings</h1>
      </div>
      <ComplianceNav />
      <h2>Audit runs</h2>
      {manage && (
        <div className="actions">
          <button type="button" disabled={runAction.busy} onClick={() => void runNow('full')}>
            Run a full audit now
          </button>
          <button type="button" disabled={runAction.busy} onClick={() => void runNow('daily')}>
            Run the daily checks
          </button>
          {runAction.busy && <span role="status">Running…</span>}
        </div>
      )}
      <ErrorNotice error={runAction.error} />
      {runs.status === 'loading' ? (
        <Loading what="audit runs" />
      ) : runs.data.length === 0 ? (
        <p>No audit has run yet.</p>
      ) : (
        <table className="table" data-testid="audit-runs">
          <thead>
            <tr>
              <th scope="col">Finished</th>
              <th scope="col">Cadence</th>
              <th scope="col">By</th>
              <th scope="col">Pass</th>
              <th scope="col">Fail</th>
              <th scope="col">N/A</th>
              <th scope="col">Opened / reopened / resolved</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Time iso={r.finishedAt} />
                </td>
                <td>{r.cadence}</td>
                <td>{r.actor}</td>
                <td>{r.counts.pass}</td>
                <td>{r.counts.fail}</td>
                <td>{r.counts.notApplicable}</td>
                <td>
                  {r.counts.opened} / {r.counts.reopened} / {r.counts.resolved}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Findings</h2>
      <FilterBar
        filters={filters}
        label="Filter findings"
        fields={[
          { kind: 'select', key: 'status', label: 'Status', options: [...STATUSES.map((x) => ({ value: x, label: x })), { value: ANY_STATUS, label: 'any' }] },
          { kind: 'select', key: 'severity', label: 'Severity', options: [{ value: '', label: 'any' }, ...SEVERITIES.map((x) => ({ value: x, label: x }))] },
          { kind: 'select', key: 'checkId', label: 'Check', options: [{ value: '', label: 'any' }, ...(checks.status === 'ok' ? checks.data.map((c) => ({ value: c.id, label: `${c.id}: ${c.title}` })) : [])] },
        ]}
      />
      {findings.status === 'loading' ? (
        <Loading what="findings" />
      ) : findings.status === 'error' ? (
        <ErrorNotice error={findings.error} />
      ) : findings.data.length === 0 ? (
        <p role="status">No finding matches.</p>
      ) : (
        <table className="table" data-testid="findings">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Severity</th>
              <th scope="col">Status</th>
              <th scope="col">Resource</th>
              <th scope="col">Detail</th>
              <th scope="col">Since</th>
              {manage && <th scope="col">Act</th>}
            </tr>
          </thead>
          <tbody>
            {findings.data.map((f) => (
              <tr key={f.id}>
                <td>
                  <code>{f.checkId}</code>
                </td>
                <td>{f.severity}</td>
                <td>
                  {f.status}
                  {f.suppression && (
                    <span className="muted small">
                      {' '}
                      until <Time iso={f.suppression.expiresAt} dateOnly /> ({f.suppression.owner}: {f.suppression.reason})
                    </span>
                  )}
                  {f.mitigation && <span className="muted small"> by {f.mitigation.action}</span>}
                </td>
                <td>
                  {f.resourceType} <code>{f.resourceId}</code>
                </td>
                <td>{f.detail}</td>
                <td>
                  <Time iso={f.firstSeenAt} />
                </td>
                {manage && (
                  <td>
                    <FindingActions finding={f} csrf={csrf} onDone={reloadFindings} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
