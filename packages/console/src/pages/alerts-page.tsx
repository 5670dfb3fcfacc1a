/**
 * The clinical alerts inbox: alerts of the patients the user may see, server-paged and sorted
 * (newest first by default), filtered by status, severity and patient with the state in the URL,
 * kept live by the server's alert stream; acknowledge ("I'm on it") one or a selection, resolve;
 * an opt-in sound and desktop notification for new high alerts (alert-notifier.tsx).
 *
 * The server filters the list and the stream by the PHI rule; the console shows what it gets.
 */
import { Alert, Button, Tabs } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ClinicalAlert, ClinicalAlertStatus } from '../api/types';
import { conditionText, isClinicalAlert } from '../clinical';
import { ConfirmDialog } from '../components/confirm-dialog';
import { DataTable } from '../components/data-table';
import { StreamBadge, useEventStream } from '../components/event-stream';
import { ErrorNotice, Time } from '../components/feedback';
import { FilterBar } from '../components/filter-bar';
import { ResourceProblem } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { useAction } from '../components/use-action';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { NotifyToggle, useHighAlertNotifier } from './alert-notifier';
import { Link } from '../router';
import { useSession } from '../session';

const FILTERS: readonly { readonly id: ClinicalAlertStatus | 'all'; readonly label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'acknowledged', label: 'Acknowledged' },
  { id: 'resolved', label: 'Resolved' },
  { id: 'all', label: 'All' },
];

function remember(names: Map<string, string>, a: ClinicalAlert): void {
  if (a.patientName !== undefined) names.set(a.patientId, a.patientName);
  if (a.acknowledgedBy !== null && a.acknowledgedByName !== undefined) names.set(a.acknowledgedBy, a.acknowledgedByName);
  if (a.resolvedBy !== null && a.resolvedByName !== undefined) names.set(a.resolvedBy, a.resolvedByName);
}

/** A live event (ids only) with the names the list already brought. */
function withNames(names: Map<string, string>, a: ClinicalAlert): ClinicalAlert {
  const patientName = a.patientName ?? names.get(a.patientId);
  const acknowledgedByName = a.acknowledgedByName ?? (a.acknowledgedBy === null ? undefined : names.get(a.acknowledgedBy));
  const resolvedByName = a.resolvedByName ?? (a.resolvedBy === null ? undefined : names.get(a.resolvedBy));
  return {
    ...a,
    ...(patientName !== undefined ? { patientName } : {}),
    ...(acknowledgedByName !== undefined ? { acknowledgedByName } : {}),
    ...(resolvedByName !== undefined ? { resolvedByName } : {}),
  };
}

export function SeverityBadge({ severity }: { readonly severity: string }) {
  return <span className={`badge severity-${severity}`}>{severity}</span>;
}

const STATUSES = ['open', 'acknowledged', 'resolved', 'all'] as const;
const SEVERITY_FILTERS = ['', 'high', 'medium', 'low', 'high,medium'] as const;
const SORTS = ['openedAt', 'severity', 'status', 'metric'] as const;

export function AlertsPage() {
  const { api } = useSession();
  const filters = useUrlFilters({ status: 'open', severity: '', patient: '', sort: 'openedAt', dir: 'desc', cursor: '' });
  const v = filters.values;
  const status = oneOf(v.status, STATUSES, 'open');
  const severity = oneOf(v.severity, SEVERITY_FILTERS, '');
  const sort = oneOf(v.sort, SORTS, 'openedAt');
  const patientId = /^[0-9a-f-]{36}$/.test(v.patient) ? v.patient : '';
  // Names the list brought (live events carry ids only): patient id -> name, user id -> name.
  const names = useRef(new Map<string, string>());
  const list = usePagedList(
    () =>
      api.clinicalAlertsPage(
        definedOnly({ status: status === 'all' ? undefined : status, severity, patientId, sort: serverSort(sort, v.dir), cursor: v.cursor, limit: 25 }),
      ),
    JSON.stringify(v),
  );
  const pager = useCursorPager(filters, list.data?.nextCursor);
  const [rows, setRows] = useState<readonly ClinicalAlert[] | undefined>(undefined);
  useEffect(() => {
    if (list.data === undefined) return;
    for (const a of list.data.alerts) remember(names.current, a);
    setRows(list.data.alerts);
  }, [list.data]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [bulkOutcome, setBulkOutcome] = useState<string | null>(null);
  const action = useAction();
  const notify = useHighAlertNotifier();

  const matches = useCallback(
    (alert: ClinicalAlert) =>
      (status === 'all' || alert.status === status) && (severity === '' || severity.split(',').includes(alert.severity)) && (patientId === '' || alert.patientId === patientId),
    [status, severity, patientId],
  );
  const upsert = useCallback(
    (alert: ClinicalAlert) =>
      setRows((before) => {
        if (before === undefined) return before;
        const known = before.some((a) => a.id === alert.id);
        const rest = before.filter((a) => a.id !== alert.id);
        // A new alert joins the first page only (later pages keep the server's order).
        if (!matches(alert) || (!known && v.cursor !== '')) return rest;
        return [withNames(names.current, alert), ...rest].sort((a, b) => b.openedAt.localeCompare(a.openedAt));
      }),
    [matches, v.cursor],
  );
  // What arrived live, said once to screen readers (the table changes silently otherwise).
  const [announcement, setAnnouncement] = useState('');
  const stream = useEventStream(list.data !== undefined ? api.clinicalAlertsStreamUrl : null, {
    alert: (data) => {
      if (!isClinicalAlert(data)) return;
      upsert(data);
      notify(data);
      setAnnouncement(`Alert ${data.status}: ${names.current.get(data.patientId) ?? 'a patient'}, ${conditionText(data.metric, data.comparison, data.threshold)}, value ${data.value}.`);
    },
  });

  const act = async (alert: ClinicalAlert, verb: 'acknowledge' | 'resolve') => {
    const updated = await action.run(() => (verb === 'acknowledge' ? api.acknowledgeClinicalAlert(alert.id) : api.resolveClinicalAlert(alert.id)));
    if (updated !== undefined) {
      remember(names.current, updated);
      upsert(updated);
    }
  };

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  const outsideCare = list.data?.openOutsideCare ?? 0;
  const patientOptions = [...new Map((rows ?? []).filter((a) => a.patientName !== undefined).map((a) => [a.patientId, a.patientName ?? ''])).entries()];
  if (patientId !== '' && !patientOptions.some(([id]) => id === patientId)) patientOptions.push([patientId, names.current.get(patientId) ?? 'the chosen patient']);
  const openSelected = (rows ?? []).filter((a) => selected.has(a.id) && a.status === 'open');
  return (
    <section aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Clinical alerts</h1>
        <StreamBadge state={stream} />
      </div>
      {/* The status is a Mantine Tabs (open / acknowledged / resolved / all), kept in the URL; each tab's panel exists (so every tab's aria-controls names one), the shown one holds the list. */}
      <Tabs value={status} onChange={(next) => next !== null && filters.set({ status: next })} keepMounted mt="xs">
        <Tabs.List aria-label="Show alerts">
          {FILTERS.map((f) => (
            <Tabs.Tab key={f.id} value={f.id}>
              {f.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {FILTERS.map((f) => (
          <Tabs.Panel key={f.id} value={f.id} pt="sm">
            {f.id === status && (
              <>
      <FilterBar
        filters={filters}
        label="Filter alerts"
        fields={[
          {
            kind: 'select',
            key: 'severity',
            label: 'Severity',
            options: [
              { value: '', label: 'Any' },
              { value: 'high', label: 'High' },
              { value: 'high,medium', label: 'High and medium' },
              { value: 'medium', label: 'Medium' },
              { value: 'low', label: 'Low' },
            ],
          },
          { kind: 'select', key: 'patient', label: 'Patient', options: [{ value: '', label: 'Any patient' }, ...patientOptions.map(([id, name]) => ({ value: id, label: name }))] },
        ]}
      >
        <Button variant="light" disabled={openSelected.length === 0} onClick={() => setConfirming(true)}>
          Acknowledge selected ({openSelected.length})
        </Button>
        <NotifyToggle />
      </FilterBar>
      {outsideCare > 0 && (
        <p className="notice" data-testid="alerts-outside-care">
          {outsideCare === 1 ? '1 open alert concerns' : `${outsideCare} open alerts concern`} patients outside your care: their care teams see them.
        </p>
      )}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {bulkOutcome !== null && (
        <Alert color="green" role="status" withCloseButton closeButtonLabel="Dismiss" onClose={() => setBulkOutcome(null)}>
          {bulkOutcome}
        </Alert>
      )}
      <ErrorNotice error={action.error} />
      <div data-testid="clinical-alerts">
        <DataTable
          caption="Clinical alerts"
          rows={rows}
          rowKey={(a) => a.id}
          rowLabel={(a) => `the alert for ${a.patientName ?? 'a patient'}, ${conditionText(a.metric, a.comparison, a.threshold)}`}
          loading={list.loading}
          error={list.data === undefined ? null : list.error}
          empty={`No ${status === 'all' ? '' : `${status} `}alerts for the patients in your care.`}
          sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
          selection={{ selected, onChange: setSelected }}
          paging={pager}
          columns={[
            { key: 'openedAt', header: 'Opened', sortKey: 'openedAt', render: (a) => <Time iso={a.openedAt} /> },
            {
              key: 'patient',
              header: 'Patient',
              render: (a) => <Link to={`/patients/${encodeURIComponent(a.patientId)}`}>{a.patientName ?? `patient ${a.patientId.slice(0, 8)}`}</Link>,
            },
            { key: 'metric', header: 'Condition', sortKey: 'metric', render: (a) => conditionText(a.metric, a.comparison, a.threshold) },
            { key: 'value', header: 'Value', numeric: true, render: (a) => a.value },
            { key: 'severity', header: 'Severity', sortKey: 'severity', render: (a) => <SeverityBadge severity={a.severity} /> },
            { key: 'status', header: 'Status', sortKey: 'status', render: (a) => <AlertStatus alert={a} /> },
            {
              key: 'actions',
              header: <span className="visually-hidden">Actions</span>,
              label: 'Actions',
              render: (a) => {
                const who = a.patientName ?? `patient ${a.patientId.slice(0, 8)}`;
                return (
                  <span className="row-actions">
                    {a.status === 'open' && (
                      <button type="button" disabled={action.busy} onClick={() => void act(a, 'acknowledge')} aria-label={`Acknowledge the alert for ${who}`}>
                        Acknowledge
                      </button>
                    )}
                    {a.status !== 'resolved' && (
                      <button type="button" disabled={action.busy} onClick={() => void act(a, 'resolve')} aria-label={`Resolve the alert for ${who}`}>
                        Resolve
                      </button>
                    )}
                  </span>
                );
              },
            },
          ]}
        />
      </div>
              </>
            )}
          </Tabs.Panel>
        ))}
      </Tabs>
      <ConfirmDialog
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={`Acknowledge ${openSelected.length} alert${openSelected.length === 1 ? '' : 's'}?`}
        confirmLabel="Acknowledge"
        onConfirm={async () => {
          const answer = await api.acknowledgeClinicalAlerts(openSelected.map((a) => a.id));
          for (const r of answer.results) if (r.alert !== null) upsert(r.alert);
          const done = answer.results.filter((r) => r.outcome === 'acknowledged').length;
          setBulkOutcome(`${done} of ${answer.results.length} acknowledged${done < answer.results.length ? ' (the others were no longer open, or are not yours to see)' : ''}.`);
          setSelected(new Set());
        }}
      >
        You take them on: each alert records you and the time (audited).
      </ConfirmDialog>
    </section>
  );
}

function AlertStatus({ alert }: { readonly alert: ClinicalAlert }) {
  return (
    <>
      {alert.status}
      {alert.acknowledgedAt !== null && (
        <div className="muted small">
          ack. <Time iso={alert.acknowledgedAt} />
          {alert.acknowledgedBy !== null && ` by ${alert.acknowledgedByName ?? alert.acknowledgedBy.slice(0, 8)}`}
        </div>
      )}
      {alert.resolvedAt !== null && (
        <div className="muted small">
          resolved <Time iso={alert.resolvedAt} />
          {alert.resolvedBy !== null && ` by ${alert.resolvedByName ?? alert.resolvedBy.slice(0, 8)}`}
        </div>
      )}
    </>
  );
}
