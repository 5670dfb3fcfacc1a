/**
 * The devices bound to a patient over time. Telemetry is attributed to the patient a device was
 * bound to when it measured, so a binding has a start and (once ended) an end. Admins bind a
 * device and end a binding; others see the list when the server lets them.
 */
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api/client';
import type { Binding, DeviceView } from '../api/types';
import { ErrorNotice, Loading, Time } from '../components/feedback';
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
    <section aria-labelledby="bindings-title">
      <h2 id="bindings-title">Devices</h2>
      {bindings.status === 'loading' ? (
        <Loading what="device bindings" />
      ) : bindings.status === 'error' ? (
        <ErrorNotice error={bindings.error} />
      ) : bindings.data.length === 0 ? (
        <p>No device has been bound to this patient.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              {manage && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {bindings.data.map((b) => (
              <tr key={b.id}>
                <td>{manage ? <Link to={`/devices/${encodeURIComponent(b.deviceId)}`}>{label(b.deviceId)}</Link> : label(b.deviceId)}</td>
                <td>
                  <Time iso={b.startAt} />
                </td>
                <td>{b.endAt === null ? <span className="badge badge-active">bound now</span> : <Time iso={b.endAt} />}</td>
                {manage && (
                  <td>
                    {b.endAt === null && (
                      <button type="button" onClick={() => void end(b)} disabled={action.busy} aria-label={`End the binding of ${label(b.deviceId)}`}>
                        End binding
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <form className="inline-form" onSubmit={(event) => void bind(event)}>
          <label>
            Bind a device
            <select name="deviceId" value={deviceId} onChange={(e) => setDeviceId(e.target.value)}>
              <option value="">Choose an active device…</option>
              {bindable.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.serial} ({d.model})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={action.busy || deviceId === ''}>
            Bind
          </button>
        </form>
      )}
      <ErrorNotice error={action.error} />
    </section>
  );
}
