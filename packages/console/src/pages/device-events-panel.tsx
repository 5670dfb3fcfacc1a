/**
 * A device's events (alarms, faults, notices) from its MQTT events topic, newest first, a page at
 * a time ("Older events" follows the server's cursor). The server decides (devices:read, 404 for
 * another organization's device).
 */
import { useState } from 'react';
import { ErrorNotice, Time } from '../components/feedback';
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
    <section aria-labelledby="device-events-title">
      <h2 id="device-events-title">Events</h2>
      {events.length === 0 ? (
        <p className="muted">The device has reported no alarm or fault.</p>
      ) : (
        <table className="table" data-testid="device-events">
          <thead>
            <tr>
              <th scope="col">When (device clock)</th>
              <th scope="col">Kind</th>
              <th scope="col">Code</th>
              <th scope="col">Severity</th>
              <th scope="col">Received</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>
                  <Time iso={e.occurredAt} />
                </td>
                <td>{e.kind}</td>
                <td>
                  <code>{e.code}</code>
                </td>
                <td>{e.severity}</td>
                <td>
                  <Time iso={e.receivedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {action.error !== null && <ErrorNotice error={action.error} />}
      {next !== null && (
        <button type="button" onClick={() => void more()} disabled={action.busy}>
          Older events
        </button>
      )}
    </section>
  );
}
