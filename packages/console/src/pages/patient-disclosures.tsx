/**
 * A patient's disclosures page: the accounting of disclosures to outside parties (HIPAA §164.528,
 * disclosure-accounting.tsx: record, view, print), then the access log: who inside read this
 * patient's data, when, through which route, and under which basis (care team, or a break-glass
 * grant and its reason), a use log from the audit trail. Shown to the roles that review access
 * (org admin, security officer, auditor); the server decides, and audits every view.
 */
import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { Link } from '../router';
import { AccountingPanel } from './disclosure-accounting';

const DAY_MS = 86_400_000;
const dateInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function DisclosuresPanel({ patientId }: { readonly patientId: string }) {
  return (
    <>
      <AccountingPanel patientId={patientId} />
      <AccessLogPanel patientId={patientId} />
    </>
  );
}

/** The access log (a use log, not the §164.528 accounting). */
function AccessLogPanel({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const [fromDate, setFromDate] = useState(() => dateInput(Date.now() - 30 * DAY_MS));
  const [toDate, setToDate] = useState(() => dateInput(Date.now()));
  const [window, setWindow] = useState({ from: fromDate, to: toDate });
  const range = { from: `${window.from}T00:00:00.000Z`, to: new Date(Date.parse(`${window.to}T00:00:00.000Z`) + DAY_MS).toISOString() };
  const [disclosures] = useResource(() => api.disclosures(patientId, range).then((r) => r.disclosures), `disclosures:${patientId}:${window.from}:${window.to}`);
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setWindow({ from: fromDate, to: toDate });
  };

  return (
    <section aria-labelledby="disclosures-title">
      <h2 id="disclosures-title">Access log</h2>
      <p className="muted small">Who inside the organization read this patient’s data (from the audit trail).</p>
      <form className="inline-form" onSubmit={apply}>
        <label>
          From
          <input type="date" name="from" required value={fromDate} onChange={(e) => setFromDate(e.target.value)} />
        </label>
        <label>
          To
          <input type="date" name="to" required value={toDate} onChange={(e) => setToDate(e.target.value)} />
        </label>
        <button type="submit">Show</button>
        <a href={api.csv.disclosures(patientId, range)} download>
          Download CSV
        </a>
      </form>
      {disclosures.status === 'loading' ? (
        <Loading what="the accounting of disclosures" />
      ) : disclosures.status === 'error' ? (
        <ResourceProblem error={disclosures.error} />
      ) : disclosures.data.length === 0 ? (
        <p>Nobody read this patient’s data in this period.</p>
      ) : (
        <table className="table" data-testid="disclosures">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Route</th>
              <th scope="col">Basis</th>
              <th scope="col">Fields</th>
            </tr>
          </thead>
          <tbody>
            {disclosures.data.map((d, i) => (
              <tr key={`${d.at}-${i}`}>
                <td>
                  <Time iso={d.at} />
                </td>
                <td>{d.username || d.userId}</td>
                <td>{d.action}</td>
                <td>
                  <code>{d.route}</code>
                </td>
                <td className="reason">
                  {d.basis}
                  {d.grantId !== null && d.grantId !== '' && <span className="muted small"> · grant {d.grantId}</span>}
                  {d.reason !== null && d.reason !== '' && <div className="small">{d.reason}</div>}
                </td>
                <td>{Array.isArray(d.fields) ? d.fields.join(', ') : (d.fields ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The accounting on its own page, for roles that review access without reading the record. */
export function DisclosuresPage({ patientId }: { readonly patientId: string }) {
  return (
    <section aria-labelledby="disclosures-page-title">
      <p>
        <Link to="/patients">← Patients</Link>
      </p>
      {/* The accounting names no patient (its answer carries no PHI): the reviewer found them by name in the lookup. */}
      <h1 id="disclosures-page-title">Accounting of disclosures: patient {patientId.slice(0, 8)}…</h1>
      <DisclosuresPanel patientId={patientId} />
    </section>
  );
}

