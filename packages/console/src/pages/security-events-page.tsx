/**
 * The security event stream (security officer, org admin): every typed event from identity,
 * access, devices, ingest, audit and configuration, filtered by type, user, device, source
 * address and time, sorted and paged by the server; the applied filter is in the URL. Events
 * carry no PHI (the server's rule); they are shown as stored.
 */
import { Anchor, Button, Group, NativeSelect, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { DataTable } from '../components/data-table';
import { nameOr, useDirectory } from '../components/directory';
import { Time } from '../components/feedback';
import { Page } from '../components/page';
import { Picker } from '../components/picker';
import { ResourceProblem } from '../components/resource';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { Link } from '../router';
import { useSession } from '../session';
import { SeverityBadge } from './alerts-page';

const FIELDS = ['type', 'userId', 'deviceId', 'source'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = { type: 'Type', userId: 'User', deviceId: 'Device (serial)', source: 'Source address' };

const SORTS = ['time', 'type', 'severity'] as const;
const HOURS = ['1', '24', '168', '720'] as const;

export function SecurityEventsPage() {
  const { api } = useSession();
  const directory = useDirectory();
  // The applied filter lives in the URL (links from an alert's evidence set it; a view can be shared).
  const filters = useUrlFilters({ type: '', userId: '', deviceId: '', source: '', hours: '24', sort: 'time', dir: 'desc', cursor: '' });
  const v = filters.values;
  const [fields, setFields] = useState<Record<Field, string>>({ type: v.type, userId: v.userId, deviceId: v.deviceId, source: v.source });
  const [hours, setHours] = useState<string>(oneOf(v.hours, HOURS, '24'));
  // Back, a link or Clear: the form shows what the URL says.
  useEffect(() => {
    setFields({ type: v.type, userId: v.userId, deviceId: v.deviceId, source: v.source });
    setHours(oneOf(v.hours, HOURS, '24'));
  }, [v.type, v.userId, v.deviceId, v.source, v.hours]);
  const sort = oneOf(v.sort, SORTS, 'time');
  const list = usePagedList(() => {
    const h = Number.parseInt(oneOf(v.hours, HOURS, '24'), 10);
    return api.securityEventsPage(
      definedOnly({
        type: v.type.trim(),
        userId: v.userId.trim(),
        deviceId: v.deviceId.trim(),
        source: v.source.trim(),
        from: new Date(Date.now() - h * 3_600_000).toISOString(),
        sort: serverSort(sort, v.dir),
        cursor: v.cursor,
        limit: 50,
      }),
    );
  }, JSON.stringify(v));
  const pager = useCursorPager(filters, list.data?.nextCursor);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    filters.set({ ...fields, hours });
  };

  if (list.error !== null && list.data === undefined) return <ResourceProblem error={list.error} />;
  return (
    <Page
      title="Security events"
      actions={
        <Anchor component={Link} to="/security/alerts">
          Security alerts
        </Anchor>
      }
    >
      <form onSubmit={apply} aria-label="Filter security events">
        <Group gap="sm" align="flex-end" wrap="wrap" className="filter-bar">
          {FIELDS.map((field) =>
            field === 'userId' || field === 'deviceId' ? (
              <Picker
                key={field}
                label={LABELS[field]}
                name={field}
                options={field === 'userId' ? directory.userOptions : directory.deviceOptions}
                value={fields[field]}
                onChange={(id) => setFields({ ...fields, [field]: id })}
              />
            ) : (
              <TextInput key={field} label={LABELS[field]} name={field} autoComplete="off" value={fields[field]} onChange={(e) => setFields({ ...fields, [field]: e.currentTarget.value })} />
            ),
          )}
          <NativeSelect
            label="Period"
            name="hours"
            value={hours}
            onChange={(e) => setHours(e.currentTarget.value)}
            data={[
              { value: '1', label: 'last hour' },
              { value: '24', label: 'last 24 hours' },
              { value: '168', label: 'last 7 days' },
              { value: '720', label: 'last 30 days' },
            ]}
          />
          <Button type="submit">Filter</Button>
          {filters.active && (
            <Button variant="subtle" onClick={filters.reset}>
              Clear filters
            </Button>
          )}
        </Group>
      </form>
      <div data-testid="security-events">
        <DataTable
          caption="Security events"
          rows={list.data?.events}
          rowKey={(e) => e.id}
          loading={list.loading}
          error={list.data === undefined ? null : list.error}
          empty="No security events match."
          sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
          paging={pager}
          minWidth="56rem"
          columns={[
            { key: 'time', header: 'Time', sortKey: 'time', render: (e) => <Time iso={e.time} /> },
            { key: 'type', header: 'Type', sortKey: 'type', render: (e) => <code>{e.type}</code> },
            { key: 'severity', header: 'Severity', sortKey: 'severity', render: (e) => <SeverityBadge severity={e.severity} /> },
            { key: 'reason', header: 'Reason', render: (e) => e.reason },
            { key: 'user', header: 'User', render: (e) => nameOr(directory.users, e.userId) },
            { key: 'device', header: 'Device', render: (e) => nameOr(directory.devices, e.deviceId) },
            { key: 'source', header: 'Source', render: (e) => e.source ?? '' },
            { key: 'request', header: 'Request', render: (e) => <span className="muted">{e.requestId ?? ''}</span> },
          ]}
        />
      </div>
    </Page>
  );
}
