/**
 * Names of the organization's users and devices, for pages that get ids from the API (security
 * events and alerts): a user's display name, a device's serial and model. Not PHI. Loaded only for
 * the roles that may list them; otherwise the maps stay empty and pages show short ids.
 */
import { useMemo } from 'react';
import { can } from '../capabilities';
import { useSession, useSignedIn } from '../session';
import type { PickerOption } from './picker';
import { useResource } from './resource';

export interface Directory {
  readonly users: ReadonlyMap<string, string>;
  readonly devices: ReadonlyMap<string, string>;
  readonly userOptions: readonly PickerOption[];
  readonly deviceOptions: readonly PickerOption[];
}

export function useDirectory(): Directory {
  const { api } = useSession();
  const roles = useSignedIn().roles;
  const withUsers = can(roles, 'users:read');
  const withDevices = can(roles, 'devices:read');
  const [users] = useResource(() => (withUsers ? api.users().then((r) => r.users) : Promise.resolve([])), `directory-users:${withUsers}`);
  const [devices] = useResource(() => (withDevices ? api.devices().then((r) => r.devices) : Promise.resolve([])), `directory-devices:${withDevices}`);
  return useMemo(() => {
    const userList = users.status === 'ok' ? users.data : [];
    const deviceList = devices.status === 'ok' ? devices.data : [];
    const userOptions = userList.map((u) => ({ id: u.id, label: `${u.displayName} (${u.username})` }));
    const deviceOptions = deviceList.map((d) => ({ id: d.id, label: `${d.serial} (${d.model})` }));
    return {
      users: new Map(userOptions.map((o) => [o.id, o.label])),
      devices: new Map(deviceOptions.map((o) => [o.id, o.label])),
      userOptions,
      deviceOptions,
    };
  }, [users, devices]);
}

/** A name from a directory map, or a short id. */
export function nameOr(map: ReadonlyMap<string, string>, id: string | null | undefined): string {
  if (id === null || id === undefined || id === '') return '';
  return map.get(id) ?? `${id.slice(0, 8)}…`;
}
