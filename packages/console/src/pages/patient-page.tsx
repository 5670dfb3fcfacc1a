/**
 * One patient: demographics (PHI), live vitals, device bindings, the care team, the accounting
 * of disclosures (for the roles that review access), and break-glass emergency access.
 *
 * The PHI rule is the server's: current HIPAA training AND care-team membership, or an active
 * break-glass grant. When the server answers 403 PATIENTS_CARE_RELATIONSHIP_REQUIRED, this page
 * offers emergency access: the user states a reason (10 to 500 characters), the server grants
 * a time-boxed access, alerts the security officer, and queues the grant for review.
 *
 * Break-glass (the offer, the dialog, the banner) is in patient-break-glass.tsx; the care team in
 * patient-care-team.tsx; the tabs' panels in patient-vitals, patient-bindings, patient-disclosures.
 * MUST: break-glass is never automatic: it takes a stated reason and an explicit confirmation.
 * MUST: while a grant is the basis of access, the page says so and shows when it ends.
 */
import { isApiError } from '../api/client';
import type { Patient } from '../api/types';
import { can } from '../capabilities';
import { Loading } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { oneOf, useUrlFilters } from '../components/url-filters';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { BreakGlassBanner, NoCareRelationship } from './patient-break-glass';
import { CareTeam } from './patient-care-team';
import { BindingsPanel } from './patient-bindings';
import { DisclosuresPanel } from './patient-disclosures';
import { VitalsPanel } from './patient-vitals';

export function PatientPage({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [patient, reload] = useResource(() => api.patient(patientId), `patient:${patientId}`);

  if (patient.status === 'loading') return <Loading what="the patient record" />;
  if (patient.status === 'error') {
    // Care teams and bindings are managed without opening the record (no PHI rule): an admin
    // who is on no care team still gets them, under the denial of the record itself.
    const manage = can(session.roles, 'patients:manage');
    const denied = isApiError(patient.error) && (patient.error.code === 'PATIENTS_CARE_RELATIONSHIP_REQUIRED' || patient.error.code === 'PATIENTS_TRAINING_REQUIRED');
    if (denied && manage) return <PatientManagement patientId={patientId} />;
    if (isApiError(patient.error) && patient.error.code === 'PATIENTS_CARE_RELATIONSHIP_REQUIRED') {
      return <NoCareRelationship patientId={patientId} onGranted={reload} />;
    }
    return <ResourceProblem error={patient.error} />;
  }
  return <PatientRecord patient={patient.data} reload={reload} />;
}

/** Care team and devices of a patient whose record is closed to the admin (no PHI beyond the label). */
function PatientManagement({ patientId }: { readonly patientId: string }) {
  const { api } = useSession();
  const session = useSignedIn();
  const [view, reload] = useResource(() => api.careTeamView(patientId), `care-team-view:${patientId}`);
  if (view.status === 'loading') return <Loading what="the care team" />;
  if (view.status === 'error') return <ResourceProblem error={view.error} />;
  const label = view.data.patient === null ? `Patient ${patientId.slice(0, 8)}` : `${view.data.patient.displayName} (MRN ${view.data.patient.mrn})`;
  const names = new Map(view.data.careTeam.flatMap((m) => (m.displayName === null ? [] : [[m.userId, m.displayName] as const])));
  return (
    <section aria-labelledby="patient-title">
      <p>
        <Link to="/patients">← Patients</Link>
      </p>
      <h1 id="patient-title">{label}</h1>
      <p className="notice" data-testid="record-closed">
        The clinical record is closed to you (you are not on this patient’s care team). You can still manage the care team and the devices.
      </p>
      <BindingsPanel patientId={patientId} manage={can(session.roles, 'bindings:manage')} />
      <CareTeam patientId={patientId} initial={view.data.careTeam.map((m) => ({ userId: m.userId, role: m.role }))} names={names} editable reload={reload} />
    </section>
  );
}

function PatientRecord({ patient, reload }: { readonly patient: Patient; readonly reload: () => void }) {
  return (
    <section aria-labelledby="patient-title">
      <p>
        <Link to="/patients">← Patients</Link>
      </p>
      {patient.access.basis === 'break-glass' && <BreakGlassBanner grantId={patient.access.grantId} onExpired={reload} />}
      <h1 id="patient-title">
        {patient.givenName} {patient.familyName}
      </h1>
      <dl className="facts">
        <dt>MRN</dt>
        <dd>{patient.mrn}</dd>
        <dt>Birth date</dt>
        <dd>{patient.birthDate}</dd>
        <dt>Sex</dt>
        <dd>{patient.sex}</dd>
      </dl>
      <PatientTabs patient={patient} reload={reload} />
    </section>
  );
}

type Tab = 'vitals' | 'care' | 'disclosures';

function PatientTabs({ patient, reload }: { readonly patient: Patient; readonly reload: () => void }) {
  const session = useSignedIn();
  const tabs: { id: Tab; label: string }[] = [
    { id: 'vitals', label: 'Vitals' },
    { id: 'care', label: 'Care team and devices' },
    ...(can(session.roles, 'disclosures:read') ? [{ id: 'disclosures' as const, label: 'Accounting of disclosures' }] : []),
  ];
  // The tab is in the URL (?tab=disclosures), with the disclosures list's own filters: a view reloads as it was.
  const url = useUrlFilters({ tab: 'vitals' });
  const tab = oneOf<Tab>(url.values.tab, tabs.map((t) => t.id), 'vitals');
  const setTab = (next: Tab) => url.set({ tab: next });
  return (
    <>
      <div className="tabs" role="group" aria-label="Patient sections">
        {tabs.map((t) => (
          <button key={t.id} type="button" aria-pressed={tab === t.id} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {tab === 'vitals' && <VitalsPanel patientId={patient.id} />}
      {tab === 'care' && (
        <>
          <BindingsPanel patientId={patient.id} manage={can(session.roles, 'bindings:manage')} />
          <CareTeam
            patientId={patient.id}
            initial={patient.careTeam.map((m) => ({ userId: m.userId, role: m.role }))}
            names={new Map(patient.careTeam.flatMap((m) => (m.displayName === undefined ? [] : [[m.userId, m.displayName] as const])))} editable={can(session.roles, 'patients:manage')} reload={reload} />
        </>
      )}
      {tab === 'disclosures' && <DisclosuresPanel patientId={patient.id} />}
    </>
  );
}
