/**
 * A device's events (alarms, faults, notices) from its MQTT events topic, newest first, a page at
 * a time ("Older events" follows the server's cursor). The server decides (devices:read, 404 for
 * another organization's device).
 */
import { Button, Group } from '@mantine/core';
import { useState } from 'react';
import { DataTable } from '../components/data-table';
import { ErrorNotice, Time } from '../components/feedback';
import { Section } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { useSession } from '../session';

type DeviceEventsPage = Awaited<ReturnType<ReturnType<typeof useSession>['api']['deviceEvents']>>;
type DeviceEventRow = DeviceEventsPage['events'][number];

const PAGE = 50;

export function DeviceEventsPanel({ deviceId }: { readonly deviceId: string }) {
  const { api } = useSession();
  const [first] = useResource(() => api.deviceEvents(deviceId, { limit: PAGE }), `device-events:${deviceId}`);
  const [older, setOlder] = useState<{ readonly events: DeviceEventRow[]; readonly next: string | null } | null>(null);
  const action = useAction();

  if (first.status === 'loading') return null;
  if (first.status === 'error') return <ResourceProblem error={first.error} />;
  const events = [...first.data.events, ...(older?.events ?? [])];
  const next = older === null ? first.data.next : older.next;
  const more = async () => {
    if (next === null) return;
    const page = await action.run(() => api.deviceEvents(deviceId, { limit: PAGE, before: next }));
    if (page !== undefined) setOlder({ events: [...(older?.events ?? []), ...page.events], next: page.next });
  };

  return (
    <Section title="Events">
      <div data-testid="device-events">
        <DataTable
          caption="Device events"
          rows={events}
          rowKey={(e) => e.id}
          empty="The device has reported no alarm or fault."
          minWidth="36rem"
          columns={[
            { key: 'occurredAt', header: 'When (device clock)', render: (e) => <Time iso={e.occurredAt} /> },
            { key: 'kind', header: 'Kind', render: (e) => e.kind },
            { key: 'code', header: 'Code', render: (e) => <code>{e.code}</code> },
            { key: 'severity', header: 'Severity', render: (e) => e.severity },
            { key: 'receivedAt', header: 'Received', render: (e) => <Time iso={e.receivedAt} /> },
          ]}
        />
      </div>
      {action.error !== null && <ErrorNotice error={action.error} />}
      {next !== null && (
        <Group>
          <Button variant="default" onClick={() => void more()} loading={action.busy}>
            Older events
          </Button>
        </Group>
      )}
    </Section>
  );
}
