/**
 * The fleet by state, shared by the security officer's and the admin's dashboards. Each count
 * links to the devices list filtered the same way (the list's filters live in the URL).
 */
import type { DeviceStateCounts } from '../../api/types';
import { StatCard, StatGrid } from '../../components/page';

export function FleetStats({ devices }: { readonly devices: DeviceStateCounts }) {
  return (
    <StatGrid label="Devices by state">
      <StatCard label="Devices" value={devices.total} to="/devices" />
      <StatCard label="Online" value={devices.online} tone="ok" hint="seen in the last 5 minutes" to="/devices" />
      <StatCard label="Offline" value={devices.offline} tone={devices.offline > 0 ? 'warn' : 'neutral'} hint="active, not seen for 5 minutes" to="/devices" />
      <StatCard label="Quarantined" value={devices.quarantined} tone={devices.quarantined > 0 ? 'bad' : 'neutral'} to="/devices" />
      <StatCard label="Revoked" value={devices.revoked} to="/devices" />
      <StatCard label="Certificate expiring" value={devices.certificateExpiring} tone={devices.certificateExpiring > 0 ? 'warn' : 'neutral'} hint="within 30 days" />
      <StatCard label="Certificate expired" value={devices.certificateExpired} tone={devices.certificateExpired > 0 ? 'bad' : 'neutral'} />
    </StatGrid>
  );
}
