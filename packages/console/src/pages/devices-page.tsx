/**
 * The device fleet: status, last contact, firmware and certificate expiry; and enrolment tokens
 * (one-time, expiring, for one model), shown once.
 */
import { useState, type FormEvent } from 'react';
import type { DeviceView, EnrollmentToken } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { SecretValue } from '../components/secret-value';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { StatusBadge } from './users-page';

const SOON_MS = 30 * 24 * 3600 * 1000;

/** A certificate's expiry, flagged when it has passed or is within 30 days. */
export function CertificateExpiry({ certificate }: { readonly certificate: DeviceView['certificate'] }) {
  if (certificate === null) return <span className="muted">no certificate</span>;
  const left = Date.parse(certificate.notAfter) - Date.now();
  return (
    <span className={left <= 0 ? 'expired' : left <= SOON_MS ? 'expiring' : undefined}>
      <Time iso={certificate.notAfter} />
      {left <= 0 ? ' (expired)' : left <= SOON_MS ? ' (expires soon)' : ''}
    </span>
  );
}

export function DevicesPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const [devices] = useResource(() => api.devices().then((r) => r.devices), 'devices');
  const [issuing, setIssuing] = useState(false);

  if (devices.status === 'error') return <ResourceProblem error={devices.error} />;
  return (
    <section aria-labelledby="devices-title">
      <div className="page-head">
        <h1 id="devices-title">Devices</h1>
        {can(session.roles, 'devices:enroll') && (
          <button type="button" className="primary" onClick={() => setIssuing(true)}>
            Create an enrolment token
          </button>
        )}
      </div>
      {devices.status === 'loading' ? (
        <Loading what="devices" />
      ) : devices.data.length === 0 ? (
        <p>No devices yet. Create an enrolment token and give it to a device (or to <code>vigil-sim</code>).</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Last seen</th>
              <th scope="col">Firmware</th>
              <th scope="col">Certificate expires</th>
            </tr>
          </thead>
          <tbody>
            {devices.data.map((device) => (
              <tr key={device.id}>
                <td>
                  <Link to={`/devices/${encodeURIComponent(device.id)}`}>{device.serial}</Link>
                </td>
                <td>{device.model}</td>
                <td>
                  <StatusBadge status={device.status} />
                </td>
                <td>
                  <Time iso={device.lastSeenAt} />
                </td>
                <td>{device.firmwareVersion ?? <span className="muted">—</span>}</td>
                <td>
                  <CertificateExpiry certificate={device.certificate} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <EnrollmentTokenDialog open={issuing} onClose={() => setIssuing(false)} />
    </section>
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
