/**
 * Patients of the organization. The list shows the patients in the user's care (their care team)
 * by default; "all patients" shows the others too, whose records open only with break-glass (names
 * are PHI: the server audits the read). Admins see every patient and register new ones here.
 */
import { useState, type FormEvent } from 'react';
import type { Sex } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link, navigate } from '../router';
import { useSession, useSignedIn } from '../session';

export function PatientsPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const admin = can(session.roles, 'patients:manage');
  const [onlyMine, setOnlyMine] = useState(!admin);
  // "Only patients in my care" asks for the care list; unticked, the organization's directory
  // (names and MRNs, audited), whose other records open only with break-glass.
  const [list] = useResource(() => api.patients(onlyMine ? 'care' : 'all'), `patients:${onlyMine ? 'care' : 'all'}`);
  const [creating, setCreating] = useState(false);
  const shown = list.status === 'ok' ? list.data.patients.filter((p) => !onlyMine || p.inCareTeam || p.openAlerts !== null) : [];
  const counted = list.status === 'ok' && list.data.openAlertsOutsideCare !== null;
  const outside = list.status === 'ok' ? (list.data.openAlertsOutsideCare ?? 0) : 0;

  if (list.status === 'error') return <ResourceProblem error={list.error} />;
  return (
    <section aria-labelledby="patients-title">
      <div className="page-head">
        <h1 id="patients-title">Patients</h1>
        {admin && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Register a patient
          </button>
        )}
      </div>
      <label className="check">
        <input type="checkbox" name="onlyMine" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} />
        Only patients in my care
      </label>
      {counted && outside > 0 && (
        <p className="muted" data-testid="patients-outside-care">
          {outside === 1 ? '1 open clinical alert concerns' : `${outside} open clinical alerts concern`} patients outside your care (their care teams see them).
        </p>
      )}
      {list.status === 'loading' ? (
        <Loading what="patients" />
      ) : shown.length === 0 ? (
        <p>No patients to show. {onlyMine ? 'You are on no patient’s care team.' : 'No patient is registered yet.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">MRN</th>
              <th scope="col">Your care team</th>
              {counted && <th scope="col">Open alerts (in your care)</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((patient) => (
              <tr key={patient.id}>
                <td>
                  <Link to={`/patients/${encodeURIComponent(patient.id)}`}>{patient.displayName}</Link>
                </td>
                <td>{patient.mrn}</td>
                <td>
                  {patient.inCareTeam ? (
                    'yes'
                  ) : (
                    <>
                      <span className="badge">outside your care</span>{' '}
                      {!admin && (
                        <Link to={`/patients/${encodeURIComponent(patient.id)}`} aria-label={`Emergency access to ${patient.displayName}`}>
                          Emergency access…
                        </Link>
                      )}
                    </>
                  )}
                </td>
                {counted && (
                  <td>
                    {patient.openAlerts === null ? (
                      <span className="muted" title="Alerts of patients outside your care are shown to their care team">
                        —<span className="visually-hidden"> (not in your care)</span>
                      </span>
                    ) : patient.openAlerts > 0 ? (
                      <Link to="/alerts" className="expired" aria-label={`${patient.openAlerts} open alerts for ${patient.displayName}`}>
                        {patient.openAlerts} {patient.highestSeverity !== null && <span className={`badge severity-${patient.highestSeverity}`}>{patient.highestSeverity}</span>}
                      </Link>
                    ) : (
                      <span className="muted">0</span>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreatePatientDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

const SEXES: readonly Sex[] = ['female', 'male', 'other', 'unknown'];

function CreatePatientDialog({ open, onClose }: { readonly open: boolean; readonly onClose: () => void }) {
  const { api } = useSession();
  const [fields, setFields] = useState({ mrn: '', givenName: '', familyName: '', birthDate: '', sex: 'unknown' as Sex });
  const action = useAction();
  const close = () => {
    setFields({ mrn: '', givenName: '', familyName: '', birthDate: '', sex: 'unknown' });
    action.clear();
    onClose();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const patient = await action.run(() => api.createPatient({ ...fields, mrn: fields.mrn.trim(), givenName: fields.givenName.trim(), familyName: fields.familyName.trim() }));
    if (patient !== undefined) {
      close();
      navigate(`/patients/${encodeURIComponent(patient.id)}`);
    }
  };
  return (
    <Dialog open={open} title="Register a patient" onClose={close}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <label>
          Medical record number (MRN)
          <input name="mrn" required autoComplete="off" value={fields.mrn} onChange={(e) => setFields({ ...fields, mrn: e.target.value })} />
        </label>
        <label>
          Given name
          <input name="givenName" required autoComplete="off" value={fields.givenName} onChange={(e) => setFields({ ...fields, givenName: e.target.value })} />
        </label>
        <label>
          Family name
          <input name="familyName" required autoComplete="off" value={fields.familyName} onChange={(e) => setFields({ ...fields, familyName: e.target.value })} />
        </label>
        <label>
          Birth date
          <input name="birthDate" type="date" required value={fields.birthDate} onChange={(e) => setFields({ ...fields, birthDate: e.target.value })} />
        </label>
        <label>
          Sex
          <select name="sex" value={fields.sex} onChange={(e) => setFields({ ...fields, sex: e.target.value as Sex })}>
            {SEXES.map((sex) => (
              <option key={sex} value={sex}>
                {sex}
              </option>
            ))}
          </select>
        </label>
        <ErrorNotice error={action.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={action.busy}>
            Register
          </button>
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
