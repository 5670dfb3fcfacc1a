/**
 * Patients of the organization. The list shows the patients in the user's care (their care team)
 * by default; "all patients" shows the others too, whose records open only with break-glass (names
 * are PHI: the server audits the read). Admins see every patient and register new ones here.
 * Search (name or MRN), sort and paging are the server's; the view's state is in the URL.
 */
import { Button, Checkbox, Modal, NativeSelect, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { PatientSummary, Sex } from '../api/types';
import { can } from '../capabilities';
import { DataTable } from '../components/data-table';
import { FormActions } from '../components/form-actions';
import { FilterBar } from '../components/filter-bar';
import { Page } from '../components/page';
import { ResourceProblem } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { useAction } from '../components/use-action';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { Link, navigate } from '../router';
import { useSession, useSignedIn } from '../session';

const SORTS = ['name', 'mrn'] as const;

export function PatientsPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const admin = can(session.roles, 'patients:manage');
  // "Only patients in my care" asks for the care list; unticked, the organization's directory
  // (names and MRNs, audited), whose other records open only with break-glass.
  const filters = useUrlFilters({ scope: admin ? 'all' : 'care', q: '', sort: 'name', dir: 'asc', cursor: '' });
  const v = filters.values;
  const onlyMine = v.scope !== 'all';
  const sort = oneOf(v.sort, SORTS, 'name');
  const list = usePagedList(() => api.patientsPage(definedOnly({ scope: onlyMine ? 'care' : 'all', q: v.q, sort: serverSort(sort, v.dir), cursor: v.cursor, limit: 25 })), JSON.stringify(v));
  const pager = useCursorPager(filters, list.data?.nextCursor);
  const [creating, setCreating] = useState(false);
  const shown = list.data?.patients.filter((p) => !onlyMine || p.inCareTeam || p.openAlerts !== null);
  const counted = list.data !== undefined && list.data.openAlertsOutsideCare !== null;
  const outside = list.data?.openAlertsOutsideCare ?? 0;

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  return (
    <Page title="Patients" actions={admin ? <Button onClick={() => setCreating(true)}>Register a patient</Button> : undefined}>
      <FilterBar filters={filters} label="Find patients" fields={[{ kind: 'search', key: 'q', label: 'Search', placeholder: 'Name or MRN' }]}>
        <Checkbox name="onlyMine" label="Only patients in my care" checked={onlyMine} onChange={(e) => filters.set({ scope: e.currentTarget.checked ? 'care' : 'all' })} mb={8} />
      </FilterBar>
      {counted && outside > 0 && (
        <p className="muted" data-testid="patients-outside-care">
          {outside === 1 ? '1 open clinical alert concerns' : `${outside} open clinical alerts concern`} patients outside your care (their care teams see them).
        </p>
      )}
      <DataTable
        caption="Patients"
        rows={shown}
        rowKey={(p) => p.id}
        loading={list.loading}
        error={list.data === undefined ? null : list.error}
        empty={v.q !== '' ? 'No patient matches this search.' : `No patients to show. ${onlyMine ? 'You are on no patient’s care team.' : 'No patient is registered yet.'}`}
        sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
        paging={pager}
        columns={[
          { key: 'name', header: 'Name', sortKey: 'name', render: (p) => <Link to={`/patients/${encodeURIComponent(p.id)}`}>{p.displayName}</Link> },
          { key: 'mrn', header: 'MRN', sortKey: 'mrn', render: (p) => p.mrn },
          {
            key: 'care',
            header: 'Your care team',
            render: (p) =>
              p.inCareTeam ? (
                'yes'
              ) : (
                <>
                  <span className="badge">outside your care</span>{' '}
                  {!admin && (
                    <Link to={`/patients/${encodeURIComponent(p.id)}`} aria-label={`Emergency access to ${p.displayName}`}>
                      Emergency access…
                    </Link>
                  )}
                </>
              ),
          },
          ...(counted
            ? [
                {
                  key: 'alerts',
                  header: 'Open alerts (in your care)',
                  render: (p: PatientSummary) =>
                    p.openAlerts === null ? (
                      <span className="muted" title="Alerts of patients outside your care are shown to their care team">
                        —<span className="visually-hidden"> (not in your care)</span>
                      </span>
                    ) : p.openAlerts > 0 ? (
                      <Link to={`/alerts?patient=${encodeURIComponent(p.id)}`} className="expired" aria-label={`${p.openAlerts} open alerts for ${p.displayName}`}>
                        {p.openAlerts} {p.highestSeverity !== null && <span className={`badge severity-${p.highestSeverity}`}>{p.highestSeverity}</span>}
                      </Link>
                    ) : (
                      <span className="muted">0</span>
                    ),
                },
              ]
            : []),
        ]}
      />
      <CreatePatientDialog open={creating} onClose={() => setCreating(false)} />
    </Page>
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
    <Modal opened={open} onClose={close} title="Register a patient" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <TextInput label="Medical record number (MRN)" name="mrn" required autoComplete="off" value={fields.mrn} onChange={(e) => setFields({ ...fields, mrn: e.currentTarget.value })} />
          <TextInput label="Given name" name="givenName" required autoComplete="off" value={fields.givenName} onChange={(e) => setFields({ ...fields, givenName: e.currentTarget.value })} />
          <TextInput label="Family name" name="familyName" required autoComplete="off" value={fields.familyName} onChange={(e) => setFields({ ...fields, familyName: e.currentTarget.value })} />
          <TextInput label="Birth date" name="birthDate" type="date" required value={fields.birthDate} onChange={(e) => setFields({ ...fields, birthDate: e.currentTarget.value })} />
          <NativeSelect label="Sex" name="sex" value={fields.sex} onChange={(e) => setFields({ ...fields, sex: e.currentTarget.value as Sex })} data={[...SEXES]} />
          <FormActions submitLabel="Register" onCancel={close} busy={action.busy} error={action.error} />
        </Stack>
      </form>
    </Modal>
  );
}
