/**
 * The devices bound to a patient over time. Telemetry is attributed to the patient a device was
 * bound to when it measured, so a binding has a start and (once ended) an end. Admins bind a
 * device and end a binding; others see the list when the server lets them.
 */
import { Badge, Button, Group, NativeSelect } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/client';
import type { Binding, DeviceView } from '../api/types';
import { ResourceTable } from '../components/resource-table';
import { ErrorNotice, Time } from '../components/feedback';
import { Section } from '../components/page';
import { useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession } from '../session';

export function BindingsPanel({ patientId, manage }: { readonly patientId: string; readonly manage: boolean }) {
  const { api } = useSession();
  const [bindings, reload] = useResource(() => api.bindings(patientId).then((r) => r.bindings), `bindings:${patientId}`);
  const [devices] = useResource<DeviceView[]>(() => (manage ? api.devices().then((r) => r.devices) : Promise.resolve([])), `binding-devices:${manage}`);
  const [deviceId, setDeviceId] = useState('');
  const action = useAction();

  // A role that may not list bindings simply doesn't see the panel.
  if (bindings.status === 'error' && isApiError(bindings.error) && (bindings.error.status === 403 || bindings.error.status === 404)) return null;

  const known = devices.status === 'ok' ? devices.data : [];
  const label = (id: string) => {
    const device = known.find((d) => d.id === id);
    return device === undefined ? id : `${device.serial} (${device.model})`;
  };
  const active = bindings.status === 'ok' ? bindings.data.filter((b) => b.endAt === null) : [];
  const bindable = known.filter((d) => d.status === 'active' && !active.some((b) => b.deviceId === d.id));

  const bind = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (deviceId === '') return;
    const done = await action.run(() => api.bindDevice(patientId, deviceId));
    if (done !== undefined) {
      setDeviceId('');
      reload();
    }
  };
  const end = async (binding: Binding) => {
    const done = await action.run(() => api.endBinding(binding.id));
    if (done !== undefined) reload();
  };

  return (
    <Section title="Devices">
      <ResourceTable<Binding>
          resource={bindings}
          caption="Devices bound to the patient"
          rowKey={(b) => b.id}
          empty="No device has been bound to this patient."
          minWidth="28rem"
          columns={[
            { key: 'device', header: 'Device', render: (b) => (manage ? <Link to={`/devices/${encodeURIComponent(b.deviceId)}`}>{label(b.deviceId)}</Link> : label(b.deviceId)) },
            { key: 'from', header: 'From', render: (b) => <Time iso={b.startAt} /> },
            {
              key: 'until',
              header: 'Until',
              render: (b) =>
                b.endAt === null ? (
                  <Badge color="green" variant="light">
                    bound now
                  </Badge>
                ) : (
                  <Time iso={b.endAt} />
                ),
            },
            ...(manage
              ? [
                  {
                    key: 'actions',
                    header: <span className="visually-hidden">Actions</span>,
                    label: 'Actions',
                    render: (b: Binding) =>
                      b.endAt === null && (
                        <Button size="xs" variant="default" onClick={() => void end(b)} disabled={action.busy} aria-label={`End the binding of ${label(b.deviceId)}`}>
                          End binding
                        </Button>
                      ),
                  },
                ]
              : []),
          ]}
        />
      {manage && (
        <form onSubmit={(event) => void bind(event)}>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect
              label="Bind a device"
              name="deviceId"
              value={deviceId}
              onChange={(e) => setDeviceId(e.currentTarget.value)}
              data={[{ value: '', label: 'Choose an active device…' }, ...bindable.map((d) => ({ value: d.id, label: `${d.serial} (${d.model})` }))]}
            />
            <Button type="submit" disabled={action.busy || deviceId === ''}>
              Bind
            </Button>
          </Group>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </Section>
  );
}
