/**
 * A patient's disclosures page: the accounting of disclosures to outside parties (HIPAA §164.528,
 * disclosure-accounting.tsx: record, view, print), the recorded disclosures one by one (searched,
 * sorted and paged, the view in the URL: disclosure-records.tsx), then the access log: who inside read this
 * patient's data, when, through which route, and under which basis (care team, or a break-glass
 * grant and its reason), a use log from the audit trail. Shown to the roles that review access
 * (org admin, security officer, auditor); the server decides, and audits every view.
 */
import { Anchor, Button, Group, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useSession } from '../session';
import { DataTable } from '../components/data-table';
import { Time } from '../components/feedback';
import { Page, Section } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { Link } from '../router';
import { AccountingPanel } from './disclosure-accounting';
import { RecordedDisclosuresPanel } from './disclosure-records';

const DAY_MS = 86_400_000;
type Disclosure = Awaited<ReturnType<ReturnType<typeof useSession>['api']['disclosures']>>['disclosures'][number];

const dateInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function DisclosuresPanel({ patientId }: { readonly patientId: string }) {
  const [recorded, setRecorded] = useState(0);
  return (
    <>
      <AccountingPanel patientId={patientId} onRecorded={() => setRecorded((n) => n + 1)} />
      <RecordedDisclosuresPanel patientId={patientId} version={recorded} />
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
    <Section title="Access log">
      <Text c="dimmed" size="sm">
        Who inside the organization read this patient’s data (from the audit trail).
      </Text>
      <form onSubmit={apply} aria-label="Period of the access log">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput type="date" label="From" name="from" required value={fromDate} onChange={(e) => setFromDate(e.currentTarget.value)} />
          <TextInput type="date" label="To" name="to" required value={toDate} onChange={(e) => setToDate(e.currentTarget.value)} />
          <Button type="submit">Show</Button>
          <Anchor href={api.csv.disclosures(patientId, range)} download>
            Download CSV
          </Anchor>
        </Group>
      </form>
      {disclosures.status === 'error' ? (
        <ResourceProblem error={disclosures.error} />
      ) : (
        <div data-testid="disclosures">
          <DataTable<Disclosure>
            caption="Access log"
            rows={disclosures.status === 'ok' ? disclosures.data : undefined}
            rowKey={(d) => `${d.at}-${d.userId}-${d.action}-${d.route}`}
            loading={disclosures.status === 'loading'}
            empty="Nobody read this patient’s data in this period."
            minWidth="52rem"
            columns={[
              { key: 'at', header: 'When', render: (d) => <Time iso={d.at} /> },
              { key: 'who', header: 'Who', render: (d) => d.username || d.userId },
              { key: 'what', header: 'What', render: (d) => d.action },
              { key: 'route', header: 'Route', render: (d) => <code>{d.route}</code> },
              {
                key: 'basis',
                header: 'Basis',
                render: (d) => (
                  <>
                    {d.basis}
                    {d.grantId !== null && d.grantId !== '' && <span className="muted small"> · grant {d.grantId}</span>}
                    {d.reason !== null && d.reason !== '' && <div className="small">{d.reason}</div>}
                  </>
                ),
              },
              { key: 'fields', header: 'Fields', render: (d) => (Array.isArray(d.fields) ? d.fields.join(', ') : (d.fields ?? '')) },
            ]}
          />
        </div>
      )}
    </Section>
  );
}

/** The accounting on its own page, for roles that review access without reading the record. */
export function DisclosuresPage({ patientId }: { readonly patientId: string }) {
  return (
    // The accounting names no patient (its answer carries no PHI): the reviewer found them by name in the lookup.
    <Page
      title={`Accounting of disclosures: patient ${patientId.slice(0, 8)}…`}
      description={
        <Anchor component={Link} to="/patients">
          ← Patients
        </Anchor>
      }
    >
      <DisclosuresPanel patientId={patientId} />
    </Page>
  );
}
