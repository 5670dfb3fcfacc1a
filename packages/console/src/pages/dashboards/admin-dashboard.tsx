/**
 * The administrator's dashboard: the fleet by state, users without MFA or current HIPAA training,
 * and the health of the security alert delivery channels. Refreshed every 30 s while shown.
 *
 * MUST: counts only (GET /api/v1/dashboard/admin); the lists behind them decide and audit.
 */
import { Badge, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import type { AdminDashboard } from '../../api/types';
import { DataTable } from '../../components/data-table';
import { ErrorNotice, Time } from '../../components/feedback';
import { Section, StatCard, StatGrid } from '../../components/page';
import { useResource } from '../../components/resource';
import { useSession } from '../../session';
import { FleetStats } from './fleet-stats';

const REFRESH_MS = 30_000;

type Channel = AdminDashboard['channels'][number];

const HEALTH: Record<Channel['health'], { label: string; color: string }> = {
  ok: { label: 'Healthy', color: 'green' },
  retrying: { label: 'Retrying', color: 'yellow' },
  failing: { label: 'Failing', color: 'red' },
  disabled: { label: 'Disabled', color: 'gray' },
};

export function AdminDashboardView({ withChannels }: { readonly withChannels: boolean }) {
  const { api } = useSession();
  const [summary, reload] = useResource(() => api.adminDashboard(), 'dashboard-admin');
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  if (summary.status === 'loading') return <Text c="dimmed" role="status">Loading the administration summary…</Text>;
  if (summary.status === 'error') return <ErrorNotice error={summary.error} />;
  const d = summary.data;
  return (
    <Stack gap="lg" data-testid="admin-dashboard">
      <Section title="Fleet">
        <FleetStats devices={d.devices} />
      </Section>
      <Section title="People">
        <StatGrid label="Users">
          <StatCard label="Users" value={d.users.total} to="/users" />
          <StatCard label="Without MFA" value={d.users.withoutMfa} tone={d.users.withoutMfa > 0 ? 'warn' : 'ok'} hint="no authenticator app or security key" to="/users" />
          <StatCard label="Without training" value={d.users.withoutTraining} tone={d.users.withoutTraining > 0 ? 'warn' : 'ok'} hint="no current HIPAA training" to="/users" />
          <StatCard label="Locked" value={d.users.locked} tone={d.users.locked > 0 ? 'warn' : 'neutral'} to="/users" />
          <StatCard label="Disabled" value={d.users.disabled} to="/users" />
        </StatGrid>
      </Section>
      {withChannels && (
        <Section title="Alert delivery channels">
          <DataTable
            caption="Alert delivery channels"
            rows={d.channels}
            rowKey={(c) => c.id}
            empty="No delivery channels: security alerts are shown in the console only."
            minWidth="32rem"
            columns={[
              { key: 'name', header: 'Channel', render: (c) => c.name },
              { key: 'kind', header: 'Kind', render: (c) => c.kind },
              { key: 'health', header: 'Health', render: (c) => <Badge color={HEALTH[c.health].color} variant="light">{HEALTH[c.health].label}</Badge> },
              { key: 'pending', header: 'Pending', numeric: true, render: (c) => c.pending },
              { key: 'dead', header: 'Dead letters', numeric: true, render: (c) => c.deadLetters },
              { key: 'last', header: 'Last failure', render: (c) => <Time iso={c.lastDeadLetterAt} /> },
            ]}
          />
        </Section>
      )}
      <Text size="xs" c="dimmed">
        As of <Time iso={d.generatedAt} />
      </Text>
    </Stack>
  );
}
