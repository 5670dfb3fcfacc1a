/**
 * The accounting of disclosures to outside parties (HIPAA §164.528): what the individual may
 * request (six years, repeated disclosures summarized, agency suspensions hidden), a print button
 * that opens the server's printable page, and a form to record a disclosure. The server decides
 * (permission, training, care relationship), refuses the exclusions of §164.528(a)(1) by name,
 * and audits every read and record.
 */
import { useState, type FormEvent } from 'react';
import type { DisclosureRecordInput } from '../api/client';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { useSession } from '../session';

type Purpose = DisclosureRecordInput['purpose'];

/** The purposes the accounting includes (§164.512 and §164.502(a)(2)(ii)), as staff name them. */
export const PURPOSES: ReadonlyArray<readonly [Purpose, string]> = [
  ['required-by-law', 'Required by law'],
  ['public-health', 'Public health'],
  ['abuse-neglect-report', 'Report of abuse, neglect or domestic violence'],
  ['health-oversight', 'Health oversight'],
  ['judicial-proceeding', 'Judicial or administrative proceeding'],
  ['law-enforcement', 'Law enforcement'],
  ['decedents', 'Coroner, medical examiner, funeral director'],
  ['organ-donation', 'Organ, eye or tissue donation'],
  ['research', 'Research (waiver of authorization)'],
  ['serious-threat', 'To avert a serious threat to health or safety'],
  ['specialized-government', 'Specialized government functions'],
  ['workers-compensation', "Workers' compensation"],
  ['secretary-investigation', 'To the Secretary (HHS investigation)'],
  ['impermissible-disclosure', 'Not permitted (e.g. a breach)'],
];

export function AccountingPanel({ patientId, onRecorded }: { readonly patientId: string; readonly onRecorded?: () => void }) {
  const { api } = useSession();
  const [recording, setRecording] = useState(false);
  const [version, setVersion] = useState(0);
  const [accounting] = useResource(() => api.disclosureAccounting(patientId), `accounting:${patientId}:${version}`);

  return (
    <section aria-labelledby="accounting-title">
      <h2 id="accounting-title">Accounting of disclosures (HIPAA §164.528)</h2>
      <p className="muted small">
        Disclosures to outside parties in the last six years, as the patient may request them. Treatment, payment, operations, disclosures to the patient, authorized
        ones and the other exclusions of §164.528(a)(1) are not listed, and cannot be recorded.
      </p>
      <p className="inline-form">
        <button type="button" onClick={() => setRecording(true)}>
          Record a disclosure
        </button>
        <a href={api.disclosureAccountingPrintUrl(patientId)} target="_blank" rel="noopener noreferrer">
          Print the accounting
        </a>
      </p>
      {accounting.status === 'loading' ? (
        <Loading what="the accounting of disclosures" />
      ) : accounting.status === 'error' ? (
        <ResourceProblem error={accounting.error} />
      ) : accounting.data.entries.length === 0 ? (
        <p>No accountable disclosure in the last six years.</p>
      ) : (
        <table className="table" data-testid="accounting">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Recipient</th>
              <th scope="col">Information disclosed</th>
              <th scope="col">Purpose</th>
            </tr>
          </thead>
          <tbody>
            {accounting.data.entries.map((e, i) => (
              <tr key={`${e.disclosedAt}-${i}`}>
                <td>
                  <Time iso={e.disclosedAt} dateOnly />
                  {e.summary !== null && (
                    <div className="small">
                      {e.summary.count} disclosures, last <Time iso={e.summary.lastAt} dateOnly />
                    </div>
                  )}
                </td>
                <td>
                  {e.recipientName}
                  {e.recipientAddress !== null && <div className="muted small">{e.recipientAddress}</div>}
                </td>
                <td>{e.description}</td>
                <td className="reason">
                  {e.purposeStatement}
                  <div className="muted small">{e.purposeText}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {recording && (
        <RecordDisclosureDialog
          patientId={patientId}
          onClose={() => setRecording(false)}
          onRecorded={() => {
            setRecording(false);
            setVersion((v) => v + 1);
            onRecorded?.();
          }}
        />
      )}
    </section>
  );
}

function RecordDisclosureDialog({ patientId, onClose, onRecorded }: { readonly patientId: string; readonly onClose: () => void; readonly onRecorded: () => void }) {
  const { api } = useSession();
  const action = useAction();
  const [fields, setFields] = useState({
    date: new Date().toISOString().slice(0, 10),
    recipientName: '',
    recipientAddress: '',
    description: '',
    purpose: 'public-health' as Purpose,
    purposeStatement: '',
  });
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const done = await action.run(() =>
      api.recordDisclosure(patientId, {
        disclosedAt: `${fields.date}T12:00:00.000Z`,
        recipientName: fields.recipientName,
        recipientAddress: fields.recipientAddress.trim() === '' ? null : fields.recipientAddress,
        description: fields.description,
        purpose: fields.purpose,
        purposeStatement: fields.purposeStatement,
      }),
    );
    if (done !== undefined) onRecorded();
  };
  return (
    <Dialog open title="Record a disclosure to an outside party" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <label>
          Date disclosed
          <input type="date" name="date" required value={fields.date} onChange={(e) => setFields({ ...fields, date: e.target.value })} />
        </label>
        <label>
          Recipient (person or organization)
          <input name="recipientName" required maxLength={200} value={fields.recipientName} onChange={(e) => setFields({ ...fields, recipientName: e.target.value })} />
        </label>
        <label>
          Recipient address (if known)
          <input name="recipientAddress" maxLength={500} value={fields.recipientAddress} onChange={(e) => setFields({ ...fields, recipientAddress: e.target.value })} />
        </label>
        <label>
          Information disclosed (brief description)
          <textarea name="description" required maxLength={2000} value={fields.description} onChange={(e) => setFields({ ...fields, description: e.target.value })} />
        </label>
        <label>
          Purpose
          <select name="purpose" value={fields.purpose} onChange={(e) => setFields({ ...fields, purpose: e.target.value as Purpose })}>
            {PURPOSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Statement of purpose (or the request it answered)
          <textarea name="purposeStatement" required maxLength={2000} value={fields.purposeStatement} onChange={(e) => setFields({ ...fields, purposeStatement: e.target.value })} />
        </label>
        {action.error !== null && <ErrorNotice error={action.error} />}
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            Record
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
