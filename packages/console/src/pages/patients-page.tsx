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
  const [patients] = useResource(() => api.patients().then((r) => r.patients), 'patients');
  // Open clinical alerts per patient, for those who handle them (a refusal just hides the column).
  const withAlerts = can(session.roles, 'clinical-alerts:read');
  const [openAlerts] = useResource(
    () => (withAlerts ? api.clinicalAlerts({ status: 'open' }).then((r) => r.alerts) : Promise.resolve(null)),
    `patients-open-alerts:${withAlerts}`,
  );
  const alertCount = (patientId: string) => (openAlerts.status === 'ok' && openAlerts.data !== null ? openAlerts.data.filter((a) => a.patientId === patientId).length : null);
  const showAlerts = openAlerts.status === 'ok' && openAlerts.data !== null;
  const [creating, setCreating] = useState(false);
  const admin = can(session.roles, 'patients:manage');
  const [onlyMine, setOnlyMine] = useState(!admin);
  const shown = patients.status === 'ok' ? patients.data.filter((p) => !onlyMine || p.inCareTeam) : [];

  if (patients.status === 'error') return <ResourceProblem error={patients.error} />;
  return (
    <section aria-labelledby="patients-title">
      <div className="page-head">
        <h1 id="patients-title">Patients</h1>
        {can(session.roles, 'patients:manage') && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Register a patient
          </button>
        )}
      </div>
      <label className="check">
        <input type="checkbox" name="onlyMine" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} />
        Only patients in my care
      </label>
      {patients.status === 'loading' ? (
        <Loading what="patients" />
      ) : shown.length === 0 ? (
        <p>No patients to show. {onlyMine ? 'You are on no patient’s care team.' : 'Clinicians see the patients whose care team they are on.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">MRN</th>
              <th scope="col">Your care team</th>
              {showAlerts && <th scope="col">Open alerts</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((patient) => (
              <tr key={patient.id}>
                <td>
                  <Link to={`/patients/${encodeURIComponent(patient.id)}`}>{patient.displayName}</Link>
                </td>
                <td>{patient.mrn}</td>
                <td>{patient.inCareTeam ? 'yes' : <span className="muted">no</span>}</td>
                {showAlerts && <td>{(alertCount(patient.id) ?? 0) > 0 ? <Link to="/alerts" className="expired" aria-label={`${alertCount(patient.id) ?? 0} open alerts for ${patient.displayName}`}>{alertCount(patient.id)}</Link> : <span className="muted">0</span>}</td>}
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
