/**
 * One device: its identity, status and certificate, and containment: quarantine (the device stays
 * enrolled but its data and commands are held) or revoke (its certificate is revoked, open
 * connections are cut, and the CRL is published). Both need a stated reason.
 */
import { useState, type FormEvent } from 'react';
import type { DeviceView } from '../api/types';
import { can } from '../capabilities';
import { Dialog } from '../components/dialog';
import { ErrorNotice, Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { DeviceEventsPanel } from './device-events-panel';
import { DeviceActivity } from './device-activity';
import { CertificateExpiry } from './devices-page';
import { StatusBadge } from './users-page';

type Containment = 'quarantine' | 'release' | 'revoke' | 'decommission';

export function DevicePage({ deviceId }: { readonly deviceId: string }) {
  const { api } = useSession();
  const [device, reload] = useResource(() => api.device(deviceId), `device:${deviceId}`);
  if (device.status === 'loading') return <Loading what="the device" />;
  if (device.status === 'error') return <ResourceProblem error={device.error} />;
  return <DeviceDetail device={device.data} reload={reload} />;
}

function DeviceDetail({ device, reload }: { readonly device: DeviceView; readonly reload: () => void }) {
  const session = useSignedIn();
  const [pending, setPending] = useState<Containment | null>(null);
  const contain = can(session.roles, 'devices:contain');
  const ended = device.status === 'revoked' || device.status === 'decommissioned';
  return (
    <section aria-labelledby="device-title">
      <p>
        <Link to="/devices">← Devices</Link>
      </p>
      <h1 id="device-title">
        {device.model} <span className="muted">{device.serial}</span>
      </h1>
      <dl className="facts">
        <dt>Device id</dt>
        <dd>
          <code>{device.id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={device.status} />
        </dd>
        <dt>UDI</dt>
        <dd>{device.udi ?? <span className="muted">—</span>}</dd>
        <dt>Firmware</dt>
        <dd>{device.firmwareVersion ?? <span className="muted">—</span>}</dd>
        <dt>Groups</dt>
        <dd>{device.groups.length === 0 ? <span className="muted">none</span> : device.groups.join(', ')}</dd>
        <dt>Last seen</dt>
        <dd>
          <Time iso={device.lastSeenAt} />
        </dd>
        <dt>Certificate serial</dt>
        <dd>{device.certificate === null ? <span className="muted">—</span> : <code>{device.certificate.serial}</code>}</dd>
        <dt>Certificate expires</dt>
        <dd>
          <CertificateExpiry certificate={device.certificate} />
        </dd>
      </dl>
      {contain && !ended && (
        <div className="actions" aria-label="Containment">
          {device.status !== 'quarantined' && (
            <button type="button" className="danger" onClick={() => setPending('quarantine')}>
              Quarantine
            </button>
          )}
          {device.status === 'quarantined' && (
            <button type="button" className="primary" onClick={() => setPending('release')}>
              Release
            </button>
          )}
          <button type="button" className="danger" onClick={() => setPending('revoke')}>
            Revoke
          </button>
          <button type="button" className="danger" onClick={() => setPending('decommission')}>
            Decommission
          </button>
        </div>
      )}
      <DeviceEventsPanel deviceId={device.id} />
      <DeviceActivity device={device} />
      <ContainmentDialog
        device={device}
        action={pending}
        onClose={(done) => {
          setPending(null);
          if (done) reload();
        }}
      />
    </section>
  );
}

/** Reasons are coded: they go into the audit log and the CRL entry as they are. */
const CONTAINMENT_REASONS: ReadonlyArray<readonly [string, string]> = [
  ['suspicious-traffic', 'Suspicious traffic'],
  ['key-compromise', 'Key compromise'],
  ['lost-device', 'Lost device'],
  ['stolen-device', 'Stolen device'],
  ['malfunction', 'Malfunction'],
  ['maintenance', 'Maintenance'],
];
const RELEASE_REASONS: ReadonlyArray<readonly [string, string]> = [
  ['investigation-cleared', 'Investigation cleared the device'],
  ['false-positive', 'False positive'],
  ['maintenance-done', 'Maintenance done'],
  ['device-recovered', 'Device recovered'],
];
const DECOMMISSION_REASONS: ReadonlyArray<readonly [string, string]> = [
  ['end-of-life', 'End of life'],
  ['replaced', 'Replaced by another device'],
  ['lost-device', 'Lost device'],
  ['returned-to-vendor', 'Returned to the vendor'],
  ['key-compromise', 'Key compromise'],
];
const REASONS: Record<Containment, ReadonlyArray<readonly [string, string]>> = {
  quarantine: CONTAINMENT_REASONS,
  revoke: CONTAINMENT_REASONS,
  release: RELEASE_REASONS,
  decommission: DECOMMISSION_REASONS,
};

const EXPLAIN: Record<Containment, string> = {
  quarantine: 'The device stays enrolled but is isolated: its telemetry is held and it receives no commands until released.',
  release: 'The device may connect and publish again, and receives commands.',
  revoke: 'The device’s certificate is revoked at once: its open connections are closed and it can never connect again. This cannot be undone.',
  decommission: 'The device is retired for good: its certificates are revoked and its connections closed. This cannot be undone.',
};
const VERB: Record<Containment, string> = { quarantine: 'Quarantine', release: 'Release', revoke: 'Revoke', decommission: 'Decommission' };

function ContainmentDialog({ device, action: which, onClose }: { readonly device: DeviceView; readonly action: Containment | null; readonly onClose: (done: boolean) => void }) {
  const { api } = useSession();
  const [reason, setReason] = useState('');
  const action = useAction();
  const close = (done: boolean) => {
    setReason('');
    action.clear();
    onClose(done);
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (which === null) return;
    const done = await action.run(async () => {
      const run = { quarantine: api.quarantineDevice, release: api.releaseDevice, revoke: api.revokeDevice, decommission: api.decommissionDevice }[which];
      await run(device.id, reason.trim());
      return true;
    });
    if (done === true) close(true);
  };
  const verb = which === null ? '' : VERB[which];
  return (
    <Dialog open={which !== null} title={`${verb} ${device.serial}?`} onClose={() => close(false)}>
      {which !== null && (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <p>{EXPLAIN[which]}</p>
          <label>
            Reason
            <select name="reason" required value={reason} onChange={(e) => setReason(e.target.value)}>
              <option value="">Choose a reason…</option>
              {REASONS[which].map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <ErrorNotice error={action.error} />
          <div className="actions">
            <button type="submit" className={which === 'release' ? 'primary' : 'danger'} disabled={action.busy || reason.trim() === ''}>
              {verb}
            </button>
            <button type="button" onClick={() => close(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
