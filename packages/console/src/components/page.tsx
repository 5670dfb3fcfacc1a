/**
 * Page layout pieces on Mantine: a page header (title, description, actions), a titled section,
 * and stat cards for dashboards. Pages use these instead of hand-written headings and boxes so
 * that spacing, heading levels and narrow-screen wrapping are the same everywhere.
 *
 * Use:
 *   <Page title="Devices" description="Every device of the organization." actions={<Button>Enrol</Button>}>
 *     <Section title="Recent events">…</Section>
 *     <StatGrid>
 *       <StatCard label="Online" value={12} to="/devices?state=online" tone="ok" />
 *     </StatGrid>
 *   </Page>
 *
 * MUST: one <h1> per page (Page's title); a Section is an <h2> with a labelled region, so the
 *       headings form an outline screen readers can navigate.
 * MUST: nothing here is wider than its container (StatGrid wraps; Page's actions wrap below).
 */
import { Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useId, type ReactNode } from 'react';
import { Link } from '../router';

export function Page({ title, description, actions, children }: { readonly title: ReactNode; readonly description?: ReactNode; readonly actions?: ReactNode; readonly children: ReactNode }) {
  return (
    <Stack gap="lg" className="page">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div className="page-heading">
          <Title order={1} size="h2">
            {title}
          </Title>
          {description !== undefined && (
            <Text c="dimmed" mt={4}>
              {description}
            </Text>
          )}
        </div>
        {actions !== undefined && (
          <Group gap="sm" wrap="wrap">
            {actions}
          </Group>
        )}
      </Group>
      {children}
    </Stack>
  );
}

export function Section({ title, actions, children }: { readonly title: ReactNode; readonly actions?: ReactNode; readonly children: ReactNode }) {
  const id = useId();
  return (
    <Paper component="section" aria-labelledby={id} withBorder p="md" radius="md" className="section">
      <Group justify="space-between" align="center" wrap="wrap" gap="sm" mb="sm">
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        {actions}
      </Group>
      {children}
    </Paper>
  );
}

export function StatGrid({ label, children }: { readonly label?: string; readonly children: ReactNode }) {
  return (
    <ul className="stat-grid" aria-label={label}>
      {children}
    </ul>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

export function StatCard({ label, value, hint, to, tone = 'neutral' }: { readonly label: string; readonly value: ReactNode; readonly hint?: ReactNode; readonly to?: string; readonly tone?: Tone }) {
  const inner = (
    <>
      <Text size="sm" c="dimmed" component="span" className="stat-label">
        {label}
      </Text>
      <span className={`stat-value tone-${tone}`}>{value}</span>
      {hint !== undefined && (
        <Text size="xs" c="dimmed" component="span" className="stat-hint">
          {hint}
        </Text>
      )}
    </>
  );
  return (
    <li className="stat-card">
      {to === undefined ? <div className="stat-body">{inner}</div> : (
        <Link to={to} className="stat-body stat-link">
          {inner}
        </Link>
      )}
    </li>
  );
}
