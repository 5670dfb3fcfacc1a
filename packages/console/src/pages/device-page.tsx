/**
 * One device: its identity, status and certificate, the patient it is bound to with its newest
 * readings, connection, commands and events (device-activity.tsx, device-events-panel.tsx), and
 * containment: quarantine (the device stays enrolled but its data and commands are held), release,
 * revoke (its certificate is revoked, open connections are cut, and the CRL is published) or
 * decommission, each with a coded reason in the shared confirmation dialog.
 */
import { Anchor, Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import type { DeviceView } from '../api/types';
import { can } from '../capabilities';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Loading, Time } from '../components/feedback';
import { Page } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
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
    <Page
      title={
        <>
          {device.model}{' '}
          <Text span inherit c="dimmed">
            {device.serial}
          </Text>
        </>
      }
      description={
        <Anchor component={Link} to="/devices">
          ← Devices
        </Anchor>
      }
      actions={
        contain && !ended ? (
          <Group gap="sm" role="group" aria-label="Containment">
            {device.status !== 'quarantined' && (
              <Button color="red" variant="light" onClick={() => setPending('quarantine')}>
                Quarantine
              </Button>
            )}
            {device.status === 'quarantined' && <Button onClick={() => setPending('release')}>Release</Button>}
            <Button color="red" variant="light" onClick={() => setPending('revoke')}>
              Revoke
            </Button>
            <Button color="red" variant="light" onClick={() => setPending('decommission')}>
              Decommission
            </Button>
          </Group>
        ) : undefined
      }
    >
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
        <dt>Site</dt>
        <dd>{device.site ?? <span className="muted">none</span>}</dd>
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
      <DeviceActivity device={device} />
      <DeviceEventsPanel deviceId={device.id} />
      <ContainmentDialog
        device={device}
        action={pending}
        onClose={(done) => {
          setPending(null);
          if (done) reload();
        }}
      />
    </Page>
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
  const verb = which === null ? '' : VERB[which];
  return (
    <ConfirmDialog
      opened={which !== null}
      onClose={() => onClose(false)}
      title={`${verb} ${device.serial}?`}
      confirmLabel={verb}
      danger={which !== 'release'}
      reason="required"
      reasons={(which === null ? [] : REASONS[which]).map(([value, label]) => ({ value, label }))}
      onConfirm={async ({ code }) => {
        if (which === null || code === null) return;
        const run = { quarantine: api.quarantineDevice, release: api.releaseDevice, revoke: api.revokeDevice, decommission: api.decommissionDevice }[which];
        await run(device.id, code);
        onClose(true);
      }}
    >
      {which === null ? null : EXPLAIN[which]}
    </ConfirmDialog>
  );
}
