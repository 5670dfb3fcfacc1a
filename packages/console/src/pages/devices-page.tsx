/**
 * The device fleet: a server-paged list (search, status and connection filters, sort) with its
 * state in the URL, bulk quarantine and release on a selection (a coded reason, at most 10
 * devices: more follows the incident two-person rule), and enrolment tokens (one-time, expiring,
 * for one model), shown once.
 */
import { Alert, Badge, Button, Group, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { BulkDeviceResult, DeviceView, EnrollmentToken } from '../api/types';
import { can } from '../capabilities';
import { ConfirmDialog } from '../components/confirm-dialog';
import { DataTable } from '../components/data-table';
import { FilterBar } from '../components/filter-bar';
import { Page } from '../components/page';
import { oneOf, useCursorPager, useUrlFilters } from '../components/url-filters';
import { definedOnly, serverSort, usePagedList } from '../components/use-paged-list';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Time } from '../components/feedback';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { StatusBadge } from './users-page';

const SOON_MS = 30 * 24 * 3600 * 1000;

/** A certificate's expiry, flagged when it has passed or is within 30 days. */
export function CertificateExpiry({ certificate }: { readonly certificate: DeviceView['certificate'] }) {
  if (certificate === null) return <span>no certificate</span>;
  const left = Date.parse(certificate.notAfter) - Date.now();
  return (
    <span className={left <= 0 ? 'expired' : left <= SOON_MS ? 'expiring' : undefined}>
      <Time iso={certificate.notAfter} />
      {left <= 0 ? ' (expired)' : left <= SOON_MS ? ' (expires soon)' : ''}
    </span>
  );
}

const STATUSES = ['pending', 'active', 'quarantined', 'revoked', 'decommissioned'] as const;
const SORTS = ['serial', 'model', 'status', 'lastSeenAt', 'createdAt', 'certificateExpiry'] as const;
/** More than this many devices at once follows the incident two-person rule (server: DEVICE_BULK_APPROVAL_REQUIRED). */
export const BULK_DEVICE_LIMIT = 10;

/** Coded reasons: they go into the audit log as they are (the same lists as one device's page). */
const QUARANTINE_REASONS = [
  { value: 'suspicious-traffic', label: 'Suspicious traffic' },
  { value: 'key-compromise', label: 'Key compromise' },
  { value: 'lost-device', label: 'Lost device' },
  { value: 'stolen-device', label: 'Stolen device' },
  { value: 'malfunction', label: 'Malfunction' },
  { value: 'maintenance', label: 'Maintenance' },
];
const RELEASE_REASONS = [
  { value: 'investigation-cleared', label: 'Investigation cleared the device' },
  { value: 'false-positive', label: 'False positive' },
  { value: 'maintenance-done', label: 'Maintenance done' },
  { value: 'device-recovered', label: 'Device recovered' },
];

/** Seen within the server's online window (2 minutes). */
function OnlineState({ lastSeenAt }: { readonly lastSeenAt: string | null }) {
  const online = lastSeenAt !== null && Date.now() - Date.parse(lastSeenAt) <= 120_000;
  return <Badge color={online ? 'green' : 'gray'} variant="light">{online ? 'online' : 'offline'}</Badge>;
}

export function DevicesPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const filters = useUrlFilters({ q: '', status: '', online: '', sort: 'serial', dir: 'asc', cursor: '' });
  const v = filters.values;
  const status = v.status === '' ? '' : oneOf(v.status, STATUSES, 'active');
  const sort = oneOf(v.sort, SORTS, 'serial');
  const list = usePagedList(
    () =>
      api.devicesPage(
        definedOnly({
          q: v.q,
          status,
          online: v.online === 'true' || v.online === 'false' ? v.online : undefined,
          sort: serverSort(sort, v.dir),
          cursor: v.cursor,
          limit: 25,
        }),
      ),
    JSON.stringify(v),
  );
  const pager = useCursorPager(filters, list.data?.nextCursor);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<'quarantine' | 'release' | null>(null);
  const [issuing, setIssuing] = useState(false);
  const [outcome, setOutcome] = useState<readonly BulkDeviceResult[] | null>(null);
  const contain = can(session.roles, 'devices:contain');
  const rows = list.data?.devices;
  const serialOf = new Map((rows ?? []).map((d) => [d.id, d.serial]));

  return (
    <Page
      title="Devices"
      description="Every device of the organization: search by serial, id or model; filter by state; select devices to quarantine or release them."
      actions={
        can(session.roles, 'devices:enroll') && (
          <Button onClick={() => setIssuing(true)}>Create an enrolment token</Button>
        )
      }
    >
      <FilterBar
        filters={filters}
        label="Filter devices"
        fields={[
          { kind: 'search', key: 'q', label: 'Search', placeholder: 'Serial, id or model' },
          { kind: 'select', key: 'status', label: 'Status', options: [{ value: '', label: 'Any' }, ...STATUSES.map((s) => ({ value: s, label: s }))] },
          { kind: 'select', key: 'online', label: 'Connection', options: [{ value: '', label: 'Any' }, { value: 'true', label: 'Online' }, { value: 'false', label: 'Offline' }] },
        ]}
      >
        {contain && (
          <Group gap="xs">
            <Button variant="light" color="red" disabled={selected.size === 0} onClick={() => setBulk('quarantine')}>
              Quarantine selected ({selected.size})
            </Button>
            <Button variant="light" disabled={selected.size === 0} onClick={() => setBulk('release')}>
              Release selected ({selected.size})
            </Button>
          </Group>
        )}
      </FilterBar>
      {outcome !== null && (
        <Alert color={outcome.every((r) => r.outcome === 'ok') ? 'green' : 'yellow'} role="status" withCloseButton closeButtonLabel="Dismiss" onClose={() => setOutcome(null)} title="Done">
          {outcome.filter((r) => r.outcome === 'ok').length} of {outcome.length} changed.
          {outcome.some((r) => r.outcome !== 'ok') &&
            ` Not changed: ${outcome
              .filter((r) => r.outcome !== 'ok')
              .map((r) => `${serialOf.get(r.deviceId) ?? r.deviceId} (${r.outcome === 'conflict' ? 'already in that state' : 'not found'})`)
              .join(', ')}.`}
        </Alert>
      )}
      <DataTable
        caption="Devices"
        rows={rows as readonly DeviceView[] | undefined}
        rowKey={(d) => d.id}
        rowLabel={(d) => d.serial}
        loading={list.loading}
        error={list.error}
        empty={filters.active ? 'No devices match these filters.' : 'No devices yet. Create an enrolment token and give it to a device (or to vigil-sim).'}
        sort={{ by: sort, dir: v.dir, onChange: (by, dir) => filters.set({ sort: by, dir }) }}
        {...(contain ? { selection: { selected, onChange: setSelected } } : {})}
        paging={pager}
        columns={[
          { key: 'serial', header: 'Device', sortKey: 'serial', render: (d) => <Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.serial}</Link> },
          { key: 'model', header: 'Model', sortKey: 'model', render: (d) => d.model },
          { key: 'status', header: 'Status', sortKey: 'status', render: (d) => <StatusBadge status={d.status} /> },
          { key: 'online', header: 'Connection', render: (d) => <OnlineState lastSeenAt={d.lastSeenAt} /> },
          { key: 'lastSeenAt', header: 'Last seen', sortKey: 'lastSeenAt', render: (d) => <Time iso={d.lastSeenAt} /> },
          { key: 'firmware', header: 'Firmware', render: (d) => d.firmwareVersion ?? '—' },
          { key: 'certificateExpiry', header: 'Certificate expires', sortKey: 'certificateExpiry', render: (d) => <CertificateExpiry certificate={d.certificate} /> },
        ]}
      />
      <ConfirmDialog
        opened={bulk !== null}
        onClose={() => setBulk(null)}
        title={`${bulk === 'release' ? 'Release' : 'Quarantine'} ${selected.size} device${selected.size === 1 ? '' : 's'}?`}
        confirmLabel={bulk === 'release' ? 'Release' : 'Quarantine'}
        danger={bulk === 'quarantine'}
        reason="required"
        reasons={bulk === 'release' ? RELEASE_REASONS : QUARANTINE_REASONS}
        onConfirm={async ({ code }) => {
          if (bulk === null || code === null) return;
          const answer = await api.bulkDevices(bulk, [...selected], code);
          setOutcome(answer.results);
          setSelected(new Set());
          list.reload();
        }}
      >
        {selected.size > BULK_DEVICE_LIMIT ? (
          <Text>
            More than {BULK_DEVICE_LIMIT} devices at once needs a second person: the server will refuse this. Request it from an <Link to="/incidents">incident</Link> as a containment action, which
            another user approves.
          </Text>
        ) : bulk === 'release' ? (
          <Text>The devices may connect and publish again, and receive commands. Each change is audited with the reason.</Text>
        ) : (
          <Text>The devices stay enrolled but are isolated: open connections are cut, their telemetry is held and they receive no commands until released. Each change is audited with the reason.</Text>
        )}
      </ConfirmDialog>
      <EnrollmentTokenDialog open={issuing} onClose={() => setIssuing(false)} />
    </Page>
  );
}

function EnrollmentTokenDialog({ open, onClose }: { readonly open: boolean; readonly onClose: () => void }) {
  const { api } = useSession();
  const [model, setModel] = useState('');
  const [minutes, setMinutes] = useState('60');
  const [issued, setIssued] = useState<EnrollmentToken | null>(null);
  const action = useAction();
  const close = () => {
    setModel('');
    setMinutes('60');
    setIssued(null);
    action.clear();
    onClose();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = Number.parseInt(minutes, 10);
    const result = await action.run(() => api.createEnrollmentToken(model.trim(), Number.isFinite(value) ? value : undefined));
    if (result !== undefined) setIssued(result);
  };
  return (
    <Dialog open={open} title={issued === null ? 'Create an enrolment token' : 'Enrolment token'} onClose={close}>
      {issued === null ? (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <label>
            Device model
            <input name="model" required autoComplete="off" value={model} onChange={(e) => setModel(e.target.value)} />
          </label>
          <label>
            Valid for (minutes)
            <input name="expiresInMinutes" type="number" min={1} max={10080} required value={minutes} onChange={(e) => setMinutes(e.target.value)} />
          </label>
          <ErrorNotice error={action.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy}>
              Create
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p>
            One device of model <strong>{model}</strong> can enrol with this token until <Time iso={issued.expiresAt} />.
          </p>
          <SecretValue label="Enrolment token" value={issued.token} />
          <div className="actions">
            <button type="button" className="primary" onClick={close}>
              Done
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
