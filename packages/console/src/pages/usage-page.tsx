/**
 * How the platform is used (org admin, security officer, auditor): logins, API calls, active
 * devices and messages ingested over time, API calls by route, and per-user activity; each as
 * CSV for export. HIPAA §164.308(a)(1)(ii)(D), information system activity review.
 */
import { Anchor, Button, Code, Group, SegmentedControl } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import type { PlatformUsagePoint } from '../api/types';
import { DataTable } from '../components/data-table';
import { ResourceTable } from '../components/resource-table';
import { Loading, Time } from '../components/feedback';
import { Page, Section } from '../components/page';
import { Picker, usePatientSearch } from '../components/picker';
import { ResourceProblem, useResource } from '../components/resource';
import { TimeChart } from '../components/time-chart';
import { navigate } from '../router';
import { useSession } from '../session';

const PERIODS = [
  { id: '24h', label: 'Last 24 hours', hours: 24, interval: 'hour' },
  { id: '7d', label: 'Last 7 days', hours: 7 * 24, interval: 'hour' },
  { id: '30d', label: 'Last 30 days', hours: 30 * 24, interval: 'day' },
] as const;

type PeriodId = (typeof PERIODS)[number]['id'];

const CHARTS: readonly { readonly key: keyof Omit<PlatformUsagePoint, 't'>; readonly title: string; readonly color: string }[] = [
  { key: 'logins', title: 'Logins', color: '#1c7ed6' },
  { key: 'apiCalls', title: 'API calls', color: '#7048e8' },
  { key: 'activeDevices', title: 'Active devices', color: '#2b8a3e' },
  { key: 'messagesIngested', title: 'Messages ingested', color: '#e8590c' },
];

export function UsagePage() {
  const { api } = useSession();
  const [periodId, setPeriodId] = useState<PeriodId>('24h');
  const period = PERIODS.find((p) => p.id === periodId) ?? PERIODS[0];
  // The window is fixed when the period is picked (whole hours), so both reports agree.
  const window = useMemo(() => {
    const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    return { from: new Date(to - period.hours * 3_600_000).toISOString(), to: new Date(to).toISOString() };
  }, [period.hours]);
  const key = `${window.from}/${window.to}/${period.interval}`;
  const [platform] = useResource(() => api.platformUsage({ ...window, interval: period.interval }), `usage-platform:${key}`);
  const [users] = useResource(() => api.userUsage(window).then((r) => r.users), `usage-users:${key}`);

  if (platform.status === 'error') return <ResourceProblem error={platform.error} />;
  const range = { from: Date.parse(window.from) / 1000, to: Date.parse(window.to) / 1000 };
  return (
    <Page
      title="Usage"
      actions={
        <>
          <Anchor href={api.csv.platformUsage({ ...window, interval: period.interval })} download>
            Platform usage (CSV)
          </Anchor>
          <Anchor href={api.csv.userUsage(window)} download>
            Per-user activity (CSV)
          </Anchor>
        </>
      }
    >
      <SegmentedControl
        aria-label="Period"
        className="align-start period-control"
        value={periodId}
        onChange={(value) => setPeriodId(PERIODS.find((p) => p.id === value)?.id ?? '24h')}
        data={PERIODS.map((p) => ({ value: p.id, label: p.label }))}
      />
      {platform.status === 'loading' ? (
        <Loading what="platform usage" />
      ) : (
        <>
          <div className="charts charts-2">
            {CHARTS.map((chart) => {
              // The unfinished interval is not drawn (it would look like a drop): it is said in words.
              const now = Date.now();
              const finished = (p: { t: string }) => Date.parse(p.t) + (period.interval === 'hour' ? 3_600_000 : 86_400_000) <= now;
              const points = platform.data.series.filter(finished);
              const current = platform.data.series.find((p) => !finished(p) && Date.parse(p.t) <= now);
              const total = points.reduce((sum, p) => sum + p[chart.key], 0);
              const peak = points.reduce((max, p) => Math.max(max, p[chart.key]), 0);
              return (
                <TimeChart
                  key={chart.key}
                  title={`${chart.title} per ${period.interval}`}
                  testId={`usage-${chart.key}`}
                  times={points.map((p) => Date.parse(p.t) / 1000)}
                  values={[points.map((p) => p[chart.key])]}
                  lines={[{ label: chart.title, color: chart.color }]}
                  unit="count"
                  range={range}
                  height={160}
                  counts
                  summary={`${chart.key === 'activeDevices' ? `peak ${peak}` : `total ${total}, peak ${peak}`} per ${period.interval} over ${points.length} intervals`}
                  note={current === undefined ? undefined : `This ${period.interval} so far: ${current[chart.key]}`}
                />
              );
            })}
          </div>
          <Section title="API calls by route">
            <DataTable
              caption="API calls by route"
              rows={[...platform.data.routes].sort((a, b) => b.count - a.count).slice(0, 25)}
              rowKey={(r) => r.route}
              empty="No API calls in this period."
              minWidth="24rem"
              columns={[
                { key: 'route', header: 'Route', render: (r) => <Code className="reason">{r.route}</Code> },
                { key: 'count', header: 'Calls', numeric: true, render: (r) => r.count },
              ]}
            />
          </Section>
        </>
      )}
      <DisclosureLookup />
      <Section title="Per-user activity">
            <ResourceTable
              testId="usage-users"
              resource={users}
              caption="Per-user activity"
              rowKey={(u) => u.userId}
              empty="Nobody was active in this period."
              columns={[
                { key: 'user', header: 'User', render: (u) => u.username },
                { key: 'logins', header: 'Logins', numeric: true, render: (u) => u.logins },
                { key: 'failed', header: 'Failed logins', numeric: true, render: (u) => (u.failedLogins > 0 ? <span className="expiring">{u.failedLogins}</span> : u.failedLogins) },
                { key: 'api', header: 'API calls', numeric: true, render: (u) => u.apiCalls },
                { key: 'phi', header: 'PHI reads', numeric: true, render: (u) => u.phiReads },
                { key: 'last', header: 'Last active', render: (u) => <Time iso={u.lastActiveAt} /> },
              ]}
            />
      </Section>
    </Page>
  );
}

/** The accounting of disclosures of one patient, found by name or MRN (for reviewers who don't open records). */
function DisclosureLookup() {
  const { api } = useSession();
  const [patientId, setPatientId] = useState('');
  const search = usePatientSearch(api.patientLookup);
  const open = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (patientId !== '') navigate(`/patients/${encodeURIComponent(patientId)}/disclosures`);
  };
  return (
    <Section title="Accounting of disclosures">
      <form onSubmit={open} aria-label="Accounting of disclosures">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Picker label="Accounting of disclosures for the patient (name or MRN)" name="patient" options={search.options} onSearch={search.onSearch} value={patientId} onChange={setPatientId} />
          <Button type="submit" variant="default" disabled={patientId === ''}>
            Show
          </Button>
        </Group>
      </form>
    </Section>
  );
}
