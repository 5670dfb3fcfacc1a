/**
 * One device's activity, below its details: the patient it is bound to now (name and MRN where the
 * reader may see them, else the id) with its newest readings (the PHI rule decides on the server),
 * connection state and last contact, the commands sent
 * to it with their status (pending, sent, done, failed, rejected, expired), and its recent
 * security events (for those who read security events). Rendered by device-page.tsx.
 *
 * MUST: each part asks only what the signed-in role may read (the server checks again), and a part
 *       the role may not read is left out rather than shown as an error.
 */
import { Anchor, Badge, Stack, Text } from '@mantine/core';
import type { DeviceBinding, DeviceCommand, DeviceView, SecurityEventPage } from '../api/types';
import { metricName, unitLabel } from '../clinical';
import { can } from '../capabilities';
import { DataTable } from '../components/data-table';
import { Time } from '../components/feedback';
import { Section } from '../components/page';
import { usePagedList } from '../components/use-paged-list';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';

const ONLINE_MS = 120_000;
const COMMAND_COLOR: Record<DeviceCommand['status'], string> = { pending: 'gray', sent: 'blue', done: 'green', failed: 'red', rejected: 'orange', expired: 'gray' };

export function DeviceActivity({ device }: { readonly device: DeviceView }) {
  const session = useSignedIn();
  const online = device.lastSeenAt !== null && Date.now() - Date.parse(device.lastSeenAt) <= ONLINE_MS;
  return (
    <Stack gap="md" mt="md">
      {can(session.roles, 'bindings:read') && <BoundPatient deviceId={device.id} />}
      <Section title="Connection">
        <Text>
          <Badge color={online ? 'green' : 'gray'} variant="light" mr="xs">
            {online ? 'online' : 'offline'}
          </Badge>
          Last seen <Time iso={device.lastSeenAt} />
        </Text>
      </Section>
      <DeviceCommands deviceId={device.id} />
      {can(session.roles, 'security:read') && <DeviceEvents deviceId={device.id} />}
    </Stack>
  );
}

type Reading = NonNullable<DeviceBinding['vitals']>[number];

function BoundPatient({ deviceId }: { readonly deviceId: string }) {
  const { api } = useSession();
  const answer = usePagedList(() => api.deviceBinding(deviceId), `binding:${deviceId}`);
  const data = answer.data;
  const binding = data?.binding ?? null;
  return (
    <Section title="Bound patient">
      {data === undefined ? (
        <Text c="dimmed">{answer.error === null ? 'Loading…' : 'The binding could not be read.'}</Text>
      ) : binding === null ? (
        <Text>Not bound to a patient.</Text>
      ) : (
        <Stack gap="sm">
          <Text data-testid="device-patient">
            <Anchor component={Link} to={`/patients/${encodeURIComponent(binding.patientId)}`}>
              {data.patient === null ? `Patient ${binding.patientId}` : `${data.patient.displayName} (MRN ${data.patient.mrn})`}
            </Anchor>{' '}
            <Text span c="dimmed">
              since <Time iso={binding.startAt} />
            </Text>
          </Text>
          {data.vitals === null ? (
            <Text c="dimmed">The readings are shown to the patient’s care team.</Text>
          ) : (
            <DataTable<Reading>
              caption="Newest readings from this device"
              rows={data.vitals}
              rowKey={(r) => r.metric}
              empty="No readings from this device yet."
              minWidth="24rem"
              columns={[
                { key: 'metric', header: 'Vital', render: (r) => metricName(r.metric) },
                { key: 'value', header: 'Value', numeric: true, render: (r) => `${r.value} ${unitLabel(r.unit)}` },
                { key: 'at', header: 'Measured', render: (r) => <Time iso={r.measuredAt} /> },
              ]}
            />
          )}
        </Stack>
      )}
    </Section>
  );
}

function DeviceCommands({ deviceId }: { readonly deviceId: string }) {
  const { api } = useSession();
  const list = usePagedList(() => api.deviceCommands(deviceId, 20), `commands:${deviceId}`);
  return (
    <Section title="Recent commands">
      <DataTable
        caption="Recent commands"
        rows={list.data?.commands}
        rowKey={(c) => c.commandId}
        loading={list.loading}
        error={list.error}
        empty="No commands sent to this device."
        columns={[
          { key: 'name', header: 'Command', render: (c) => <code>{c.name}</code> },
          { key: 'status', header: 'Status', render: (c) => <Badge color={COMMAND_COLOR[c.status]} variant="light">{c.status}</Badge> },
          { key: 'issuedAt', header: 'Sent', render: (c) => <Time iso={c.issuedAt} /> },
          { key: 'ackedAt', header: 'Acknowledged', render: (c) => (c.ackedAt === null ? '—' : <Time iso={c.ackedAt} />) },
          { key: 'reason', header: 'Device’s reason', render: (c) => c.ackReason ?? '—' },
        ]}
      />
    </Section>
  );
}

function DeviceEvents({ deviceId }: { readonly deviceId: string }) {
  const { api } = useSession();
  const list = usePagedList<SecurityEventPage>(() => api.securityEventsPage({ deviceId, limit: 10 }), `device-events:${deviceId}`);
  return (
    <Section title="Recent security events">
      <DataTable
        caption="Recent security events"
        rows={list.data?.events}
        rowKey={(e) => e.id}
        loading={list.loading}
        error={list.error}
        empty="No security events for this device."
        columns={[
          { key: 'time', header: 'Time', render: (e) => <Time iso={e.time} /> },
          { key: 'type', header: 'Event', render: (e) => <code>{e.type}</code> },
          { key: 'severity', header: 'Severity', render: (e) => e.severity },
          { key: 'reason', header: 'Reason', render: (e) => e.reason },
        ]}
      />
    </Section>
  );
}
