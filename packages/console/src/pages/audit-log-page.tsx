/**
 * The audit log (security officer, auditor, platform-admin): search by actor, action, target,
 * outcome, request id and time; page back through older events; see whether the chain verifies;
 * download the export that `vigil audit verify --file` checks offline.
 *
 * The server decides what is shown: an organization's officer sees their organization's events
 * (others are redacted in the export); platform-admins see the whole log. Every search is itself
 * recorded in the log. The filter is in the URL (a search can be shared and reloaded); paging is
 * the server's cursor (newest first).
 */
import { Alert, Button, Code, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { AuditEvent } from '../api/types';
import { DataTable } from '../components/data-table';
import { Loading, Time } from '../components/feedback';
import { FilterBar } from '../components/filter-bar';
import { Page } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { definedOnly, usePagedList } from '../components/use-paged-list';
import { useSession } from '../session';

const OUTCOMES = ['success', 'failure', 'denied'] as const;

function VerificationState() {
  const { api } = useSession();
  const [state, reload] = useResource(() => api.auditVerification(), 'audit-verification');
  if (state.status === 'loading') return <Loading what="the chain's verification" />;
  if (state.status === 'error') return <ResourceProblem error={state.error} />;
  const v = state.data;
  return (
    <Alert color={v.ok ? 'green' : 'red'} role="status" data-testid="audit-verification">
      <Text>
        <strong>{v.ok ? 'The audit chain verifies.' : `The audit chain is broken at seq ${v.firstBadSeq ?? '?'} (${v.problem ?? 'unknown'}).`}</strong> {v.eventsVerified} events, {v.checkpointsVerified} signed
        checkpoints, checked <Time iso={v.verifiedAt} />.{v.unsignedTail ? ` Events ${v.unsignedTail.fromSeq}–${v.unsignedTail.toSeq} await their signed checkpoint.` : ''}
      </Text>
      {!v.ok && <Text mt={4}>{v.message}</Text>}
      <Button variant="default" size="xs" mt="xs" onClick={reload}>
        Check again
      </Button>
    </Alert>
  );
}

/** An ISO time as a datetime-local input's value (the user's local time), '' when unset or invalid. */
function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (iso === '' || Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local bound to an ISO time in the URL (applied when the input holds a whole time). */
function TimeField({ label, name, iso, onChange }: { readonly label: string; readonly name: string; readonly iso: string; readonly onChange: (iso: string) => void }) {
  const [text, setText] = useState(toLocalInput(iso));
  useEffect(() => setText(toLocalInput(iso)), [iso]);
  return (
    <TextInput
      type="datetime-local"
      label={label}
      name={name}
      value={text}
      onChange={(event) => {
        const value = event.currentTarget.value;
        setText(value);
        const date = new Date(value);
        if (value === '') onChange('');
        else if (!Number.isNaN(date.getTime())) onChange(date.toISOString());
      }}
      className="filter-time"
    />
  );
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

export function AuditLogPage() {
  const { api } = useSession();
  const filters = useUrlFilters({ actor: '', action: '', targetType: '', targetId: '', requestId: '', outcome: '', from: '', to: '', cursor: '' });
  const v = filters.values;
  const list = usePagedList(
    () =>
      api.auditEvents(
        definedOnly({
          actor: v.actor.trim(),
          action: v.action.trim(),
          targetType: v.targetType.trim(),
          targetId: v.targetId.trim(),
          requestId: v.requestId.trim(),
          outcome: v.outcome === '' ? undefined : oneOf(v.outcome, OUTCOMES, 'success'),
          // The URL can say anything: only a whole ISO time is sent.
          from: ISO.test(v.from) ? v.from : undefined,
          to: ISO.test(v.to) ? v.to : undefined,
          cursor: v.cursor,
          limit: 100,
        }),
      ),
    JSON.stringify(v),
  );
  const pager = useCursorPager(filters, list.data?.nextCursor);

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  return (
    <Page
      title="Audit log"
      actions={
        <Button component="a" variant="default" href="/api/v1/audit/export" download="vigil-audit.jsonl">
          Export (JSON lines)
        </Button>
      }
    >
      <VerificationState />
      <FilterBar
        filters={filters}
        label="Filter the audit log"
        fields={[
          { kind: 'search', key: 'actor', label: 'Actor id' },
          { kind: 'search', key: 'action', label: 'Action', placeholder: 'e.g. patients.record.read' },
          { kind: 'search', key: 'targetType', label: 'Target type' },
          { kind: 'search', key: 'targetId', label: 'Target id' },
          { kind: 'search', key: 'requestId', label: 'Request id' },
          { kind: 'select', key: 'outcome', label: 'Outcome', options: [{ value: '', label: 'Any' }, ...OUTCOMES.map((o) => ({ value: o, label: o }))] },
        ]}
      >
        <TimeField label="From" name="from" iso={v.from} onChange={(iso) => filters.set({ from: iso }, { replace: true })} />
        <TimeField label="To" name="to" iso={v.to} onChange={(iso) => filters.set({ to: iso }, { replace: true })} />
      </FilterBar>
      <div data-testid="audit-events">
        <DataTable
          caption="Audit events"
          rows={list.data?.events}
          rowKey={(e: AuditEvent) => String(e.seq)}
          loading={list.loading}
          error={list.data === undefined ? null : list.error}
          empty="No audit events match."
          paging={pager}
          minWidth="52rem"
          columns={[
            { key: 'seq', header: 'Seq', numeric: true, render: (e) => e.seq },
            { key: 'time', header: 'Time', render: (e) => <Time iso={e.time} /> },
            { key: 'actor', header: 'Actor', render: (e) => `${e.actorKind}:${e.actorId}` },
            { key: 'action', header: 'Action', render: (e) => <Code>{e.action}</Code> },
            { key: 'target', header: 'Target', render: (e) => `${e.targetType}:${e.targetId}` },
            { key: 'outcome', header: 'Outcome', render: (e) => e.outcome },
            { key: 'reason', header: 'Reason', render: (e) => e.reason ?? '' },
            { key: 'source', header: 'Source', render: (e) => e.source },
            { key: 'request', header: 'Request', render: (e) => <Text span size="sm" c="dimmed">{e.requestId}</Text> },
          ]}
        />
      </div>
    </Page>
  );
}
