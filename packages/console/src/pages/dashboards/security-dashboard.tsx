/**
 * The security officer's dashboard: open security alerts by severity, devices by state,
 * break-glass awaiting review, failed logins over the last 24 hours, and the audit chain's
 * verification state. Refreshed every 30 s while shown.
 *
 * MUST: counts only (GET /api/v1/dashboard/security); every count links to the list behind it,
 *       which applies its own access rules and audits its own reads.
 */
import { Alert, Badge, Group, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { ErrorNotice, Time } from '../../components/feedback';
import { Section, StatCard, StatGrid } from '../../components/page';
import { useResource } from '../../components/resource';
import { TimeChart } from '../../components/time-chart';
import { useSession } from '../../session';
import { FleetStats } from './fleet-stats';

const REFRESH_MS = 30_000;

export function SecurityDashboardView({ withAudit }: { readonly withAudit: boolean }) {
  const { api } = useSession();
  const [summary, reload] = useResource(() => api.securityDashboard(), 'dashboard-security');
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  if (summary.status === 'loading') return <Text c="dimmed" role="status">Loading the security summary…</Text>;
  if (summary.status === 'error') return <ErrorNotice error={summary.error} />;
  const d = summary.data;
  const alerts = d.openSecurityAlerts;
  const openTotal = alerts.critical + alerts.high + alerts.medium + alerts.low;
  const failedTotal = d.failedLogins.reduce((sum, point) => sum + point.count, 0);
  const times = d.failedLogins.map((point) => Date.parse(point.hour) / 1000);
  const last = times.at(-1) ?? Date.now() / 1000;

  return (
    <Stack gap="lg" data-testid="security-dashboard">
      <Section title="Open security alerts">
        <StatGrid label="Open security alerts by severity">
          <StatCard label="Critical" value={alerts.critical} tone={alerts.critical > 0 ? 'bad' : 'neutral'} to="/security/alerts" />
          <StatCard label="High" value={alerts.high} tone={alerts.high > 0 ? 'bad' : 'neutral'} to="/security/alerts" />
          <StatCard label="Medium" value={alerts.medium} tone={alerts.medium > 0 ? 'warn' : 'neutral'} to="/security/alerts" />
          <StatCard label="Low" value={alerts.low} to="/security/alerts" />
          <StatCard label="Break-glass to review" value={d.breakGlassAwaitingReview} tone={d.breakGlassAwaitingReview > 0 ? 'warn' : 'ok'} to="/break-glass" />
        </StatGrid>
        <Text size="sm" c="dimmed" mt="xs">
          {openTotal === 0 ? 'No open security alerts.' : `${openTotal} open (not resolved or suppressed).`}
        </Text>
      </Section>
      <Section title="Devices">
        <FleetStats devices={d.devices} />
      </Section>
      <Section title="Failed logins, last 24 hours">
        <TimeChart
          title="Failed logins per hour"
          times={times}
          values={[d.failedLogins.map((point) => point.count)]}
          lines={[{ label: 'Failed logins', color: '#c92a2a' }]}
          unit="per hour"
          range={{ from: times[0] ?? last - 23 * 3600, to: last + 3600 }}
          summary={`${failedTotal} failed logins in the last 24 hours; ${d.failedLogins.at(-1)?.count ?? 0} in the current hour.`}
          testId="failed-logins-chart"
          counts
        />
      </Section>
      {withAudit && <AuditChainStatus />}
      <Text size="xs" c="dimmed">
        As of <Time iso={d.generatedAt} />
      </Text>
    </Stack>
  );
}

function AuditChainStatus() {
  const { api } = useSession();
  const [state] = useResource(() => api.auditVerification(), 'dashboard-audit');
  return (
    <Section title="Audit chain">
      {state.status === 'loading' && <Text c="dimmed" role="status">Verifying…</Text>}
      {state.status === 'error' && <ErrorNotice error={state.error} />}
      {state.status === 'ok' && (
        <Stack gap="xs" data-testid="audit-chain-status">
          <Group gap="sm">
            <Badge color={state.data.ok ? 'green' : 'red'} variant="light" size="lg">
              {state.data.ok ? 'Intact' : 'Broken'}
            </Badge>
            <Text size="sm">{state.data.message}</Text>
          </Group>
          <Text size="sm" c="dimmed">
            {state.data.eventsVerified} events and {state.data.checkpointsVerified} signed checkpoints verified, up to event {state.data.lastSeq}; checked <Time iso={state.data.verifiedAt} />.
          </Text>
          {!state.data.ok && (
            <Alert color="red" role="alert" title="The audit chain does not verify">
              {state.data.problem ?? 'unknown problem'}
              {state.data.firstBadSeq !== null && ` at event ${state.data.firstBadSeq}`}. Open an incident and preserve the database.
            </Alert>
          )}
        </Stack>
      )}
    </Section>
  );
}
