/**
 * Security alerts (security officer, org admin): the list, server-paged and sorted, with filters by
 * status, severity and detector kept in the URL, and one alert's detail: what was seen and how often, the evidence behind it (security
 * events and audit records), and its workflow (acknowledge, resolve, suppress with a reason,
 * assign, notes). One attack is one alert with a count: the server groups and deduplicates.
 */
import { Anchor, Button, Group, NativeSelect, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { SecurityAlert, SecurityAlertStatus, SecuritySeverity, UserView } from '../api/types';
import { can } from '../capabilities';
import { ConfirmDialog } from '../components/confirm-dialog';
import { nameOr, useDirectory, type Directory } from '../components/directory';
import { DataTable } from '../components/data-table';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { FilterBar } from '../components/filter-bar';
import { Page, Section } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { useAction } from '../components/use-action';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { SeverityBadge } from './alerts-page';

const STATUSES: readonly SecurityAlertStatus[] = ['open', 'acknowledged', 'resolved', 'suppressed'];
const SEVERITIES: readonly SecuritySeverity[] = ['low', 'medium', 'high', 'critical'];
/** The security-events filter that finds the events of an alert's subject. */
const SUBJECT_FILTER: Partial<Record<SecurityAlert['subject']['kind'], string>> = { user: 'userId', device: 'deviceId', source: 'source' };

/** Why an alert is suppressed: coded (the server takes a code, and the audit record names it). */
const SUPPRESS_REASONS = [
  { value: 'false-positive', label: 'False positive' },
  { value: 'known-maintenance', label: 'Known maintenance' },
  { value: 'expected-behaviour', label: 'Expected behaviour' },
  { value: 'duplicate', label: 'Duplicate of another alert' },
  { value: 'accepted-risk', label: 'Accepted risk' },
];
const SORTS = ['lastSeenAt', 'firstSeenAt', 'severity', 'status', 'count', 'detector'] as const;
const PAGE_SIZE = 25;

export function SecurityAlertsPage() {
  const { api } = useSession();
  const directory = useDirectory();
  // The filter, sort and page live in the URL: a view can be shared, reloaded and paged.
  const filters = useUrlFilters({ status: 'open', severity: '', detector: '', sort: 'lastSeenAt', dir: 'desc', cursor: '' });
  const v = filters.values;
  const status = oneOf(v.status, [...STATUSES, 'any'] as const, 'open');
  const severity = oneOf(v.severity, SEVERITIES, '' as SecuritySeverity);
  const sort = oneOf(v.sort, SORTS, 'lastSeenAt');
  const detector = /^[a-z0-9][a-z0-9._-]{0,63}$/.test(v.detector) ? v.detector : '';
  const list = usePagedList(
    () =>
      api.securityAlertsPage(
        definedOnly({ status: status === 'any' ? undefined : status, severity, detector, sort: serverSort(sort, v.dir), cursor: v.cursor, limit: PAGE_SIZE }),
      ),
    JSON.stringify(v),
  );
  const pager = useCursorPager(filters, list.data?.nextCursor);
  // Detector names for the filter come from what has been seen (the server names its detectors).
  const [seen] = useResource(() => api.securityAlertsPage({ limit: 200 }).then((r) => r.alerts.map((a) => a.detector)), 'security-alert-detectors');
  const detectors = [...new Set([...(seen.status === 'ok' ? seen.data : []), ...(detector === '' ? [] : [detector])])].sort();

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  return (
    <Page
      title="Security alerts"
      actions={
        <>
          <Anchor component={Link} to="/security/events">
            Security events
          </Anchor>
          <Anchor component={Link} to="/security/delivery">
            Delivery
          </Anchor>
        </>
      }
    >
      <FilterBar
        filters={filters}
        label="Filter security alerts"
        fields={[
          { kind: 'select', key: 'status', label: 'Status', options: [...STATUSES.map((s) => ({ value: s, label: s })), { value: 'any', label: 'any' }] },
          { kind: 'select', key: 'severity', label: 'Severity', options: [{ value: '', label: 'any' }, ...SEVERITIES.map((s) => ({ value: s, label: s }))] },
          { kind: 'select', key: 'detector', label: 'Detector', options: [{ value: '', label: 'any' }, ...detectors.map((d) => ({ value: d, label: d }))] },
        ]}
      />
      <div data-testid="security-alerts">
        <DataTable
          caption="Security alerts"
          rows={list.data?.alerts}
          rowKey={(a) => a.id}
          loading={list.loading}
          error={list.data === undefined ? null : list.error}
          empty="No security alerts match."
          sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
          paging={pager}
          minWidth="52rem"
          columns={[
            {
              key: 'alert',
              header: 'Alert',
              sortKey: 'detector',
              render: (a) => (
                <>
                  <Link to={`/security/alerts/${encodeURIComponent(a.id)}`}>{a.title}</Link>
                  <div className="muted small">{a.detector}</div>
                </>
              ),
            },
            { key: 'severity', header: 'Severity', sortKey: 'severity', render: (a) => <SeverityBadge severity={a.severity} /> },
            { key: 'subject', header: 'Subject', render: (a) => <Subject subject={a.subject} directory={directory} /> },
            { key: 'count', header: 'Count', sortKey: 'count', numeric: true, render: (a) => a.count },
            { key: 'last', header: 'Last seen', sortKey: 'lastSeenAt', render: (a) => <Time iso={a.lastSeenAt} /> },
            { key: 'status', header: 'Status', sortKey: 'status', render: (a) => a.status },
            { key: 'assignee', header: 'Assignee', render: (a) => (a.assignee === null ? <span className="muted">—</span> : nameOr(directory.users, a.assignee)) },
          ]}
        />
      </div>
    </Page>
  );
}

function Subject({ subject, directory }: { readonly subject: { readonly kind: string; readonly id: string }; readonly directory: Directory }) {
  switch (subject.kind) {
    case 'user':
      return <Link to={`/users/${encodeURIComponent(subject.id)}`}>user {nameOr(directory.users, subject.id)}</Link>;
    case 'device':
      return <Link to={`/devices/${encodeURIComponent(subject.id)}`}>device {nameOr(directory.devices, subject.id)}</Link>;
    case 'patient':
      return <Link to={`/patients/${encodeURIComponent(subject.id)}/disclosures`}>a patient (accounting of disclosures)</Link>;
    case 'source':
      return <span>source {subject.id}</span>;
    case 'org':
      return <span>the organization</span>;
    default:
      return <span>{subject.kind}</span>;
  }
}

export function SecurityAlertPage({ alertId }: { readonly alertId: string }) {
  const { api } = useSession();
  const directory = useDirectory();
  const session = useSignedIn();
  const [alert, setAlert] = useState<SecurityAlert | null>(null);
  const [loaded] = useResource(
    () =>
      api.securityAlert(alertId).then((a) => {
        setAlert(a);
        return a;
      }),
    `security-alert:${alertId}`,
  );
  const canUsers = can(session.roles, 'users:read');
  const [users] = useResource<UserView[]>(() => (canUsers ? api.users().then((r) => r.users) : Promise.resolve([])), `security-alert-users:${canUsers}`);
  const action = useAction();
  const [suppressing, setSuppressing] = useState(false);
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState('');

  if (loaded.status === 'loading') return <Loading what="the security alert" />;
  if (loaded.status === 'error') return <ResourceProblem error={loaded.error} />;
  const a = alert ?? loaded.data;
  const manage = can(session.roles, 'security:manage');
  const known = users.status === 'ok' ? users.data : [];
  const nameOf = (userId: string) => known.find((u) => u.id === userId)?.username ?? userId;

  const run = async (fn: () => Promise<SecurityAlert>) => {
    const updated = await action.run(fn);
    if (updated !== undefined) setAlert(updated);
    return updated;
  };
  const addNote = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (note.trim() === '') return;
    if ((await run(() => api.noteSecurityAlert(a.id, note.trim()))) !== undefined) setNote('');
  };
  const assign = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (assignee.trim() === '') return;
    if ((await run(() => api.assignSecurityAlert(a.id, assignee.trim()))) !== undefined) setAssignee('');
  };

  return (
    <Page
      title={a.title}
      description={
        <>
          <Anchor component={Link} to="/security/alerts">
            ← Security alerts
          </Anchor>
          <br />
          {a.summary}
        </>
      }
      actions={
        manage ? (
          <Group gap="sm" role="group" aria-label="Workflow">
            {a.status === 'open' && (
              <Button variant="default" disabled={action.busy} onClick={() => void run(() => api.acknowledgeSecurityAlert(a.id))}>
                Acknowledge
              </Button>
            )}
            {a.status !== 'resolved' && (
              <Button disabled={action.busy} onClick={() => void run(() => api.resolveSecurityAlert(a.id))}>
                Resolve
              </Button>
            )}
            {a.status !== 'suppressed' && (
              <Button variant="default" disabled={action.busy} onClick={() => setSuppressing(true)}>
                Suppress…
              </Button>
            )}
          </Group>
        ) : undefined
      }
    >
      <dl className="facts">
        <dt>Detector</dt>
        <dd>{a.detector}</dd>
        <dt>Severity</dt>
        <dd>
          <SeverityBadge severity={a.severity} />
        </dd>
        <dt>Subject</dt>
        <dd>
          <Subject subject={a.subject} directory={directory} />
        </dd>
        <dt>Count</dt>
        <dd data-testid="alert-count">{a.count}</dd>
        <dt>First seen</dt>
        <dd>
          <Time iso={a.firstSeenAt} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time iso={a.lastSeenAt} />
        </dd>
        <dt>Status</dt>
        <dd data-testid="alert-status">
          {a.status}
          {a.suppressedReason !== null && <> — {a.suppressedReason}</>}
        </dd>
        <dt>Assignee</dt>
        <dd>{a.assignee === null ? <span className="muted">nobody</span> : nameOf(a.assignee)}</dd>
      </dl>
      <ErrorNotice error={action.error} />
      {manage && (
        <form onSubmit={(event) => void assign(event)} aria-label="Assign the alert">
          <Group gap="sm" align="flex-end" wrap="wrap">
            {canUsers && users.status === 'ok' ? (
              <NativeSelect
                label="Assign to"
                name="assignee"
                value={assignee}
                onChange={(e) => setAssignee(e.currentTarget.value)}
                data={[
                  { value: '', label: 'Choose a user…' },
                  ...known.filter((u) => u.status === 'active').map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` })),
                ]}
              />
            ) : (
              <TextInput label="Assign to user id" name="assignee" autoComplete="off" value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} />
            )}
            <Button type="submit" variant="default" disabled={action.busy || assignee.trim() === ''}>
              Assign
            </Button>
          </Group>
        </form>
      )}

      <Section title="Evidence">
        {a.evidence.securityEventIds.length === 0 && a.evidence.auditSeqs.length === 0 ? (
          <Text>No evidence is linked.</Text>
        ) : (
          <>
            <Title order={3} size="h4">
              Security events ({a.evidence.securityEventIds.length})
            </Title>
            <ul className="evidence" data-testid="evidence-events">
              {a.evidence.securityEventIds.map((eventId) => (
                <li key={eventId}>
                  <code>{eventId}</code>
                </li>
              ))}
            </ul>
            {SUBJECT_FILTER[a.subject.kind] !== undefined && (
              <Text size="sm">
                <Anchor component={Link} to={`/security/events?${SUBJECT_FILTER[a.subject.kind] ?? ''}=${encodeURIComponent(a.subject.id)}`}>
                  Show the security events of this {a.subject.kind}
                </Anchor>
              </Text>
            )}
            <Title order={3} size="h4">
              Audit records ({a.evidence.auditSeqs.length})
            </Title>
            <Text size="sm" c="dimmed">
              Verify them offline with <code>vigil audit verify</code>; each is named by its sequence number in the hash chain.
            </Text>
            <ul className="evidence" data-testid="evidence-audit">
              {a.evidence.auditSeqs.map((seq) => (
                <li key={seq}>
                  <code>audit #{seq}</code>
                </li>
              ))}
            </ul>
          </>
        )}
      </Section>

      <Section title="Notes">
        {a.notes.length === 0 ? (
          <Text c="dimmed">No notes yet.</Text>
        ) : (
          <ol className="notes">
            {a.notes.map((n, i) => (
              <li key={`${n.at}-${i}`}>
                <span className="muted small">
                  <Time iso={n.at} /> · {nameOf(n.by)}
                </span>
                <p>{n.text}</p>
              </li>
            ))}
          </ol>
        )}
        {manage && (
          <form onSubmit={(event) => void addNote(event)}>
            <Stack gap="sm" align="flex-start">
              <Textarea label="Add a note" name="note" minRows={3} autosize maxLength={2000} value={note} onChange={(e) => setNote(e.currentTarget.value)} w="100%" />
              <Button type="submit" variant="default" disabled={action.busy || note.trim() === ''}>
                Add note
              </Button>
            </Stack>
          </form>
        )}
      </Section>
      <ConfirmDialog
        opened={suppressing}
        onClose={() => setSuppressing(false)}
        title="Suppress the alert?"
        confirmLabel="Suppress"
        danger
        reason="required"
        reasons={SUPPRESS_REASONS}
        onConfirm={async ({ code }) => {
          // The dialog shows the server's refusal in place, and closes only when this succeeds.
          if (code !== null) setAlert(await api.suppressSecurityAlert(a.id, code));
        }}
      >
        A suppressed alert stops notifying. Say why, for the record.
      </ConfirmDialog>
    </Page>
  );
}
