/**
 * A campaign's target set: the active devices of its model, narrowed by site, groups (any of them)
 * and a firmware version range. Pure; the service asks the registry (RolloutPorts.devices, which
 * narrows by model and site in its query) and checks every rule again here.
 *
 * MUST: a campaign with a site reaches only devices at that site (never a device of another site,
 *       nor one without a site); a device whose version cannot be compared is outside a range.
 */
import { compareVersions } from '@vigil/protocol';
import type { RolloutDevice } from './rollout-ports.js';

export interface TargetFilter {
  readonly fromMin?: string | null | undefined;
  readonly fromMax?: string | null | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly site?: string | null | undefined;
}

export function selectTargets(devices: readonly RolloutDevice[], model: string, filter: TargetFilter): RolloutDevice[] {
  const groups = filter.groups ?? [];
  const site = filter.site ?? null;
  const fromMin = filter.fromMin ?? null;
  const fromMax = filter.fromMax ?? null;
  return devices.filter((d) => {
    if (d.model !== model || d.status !== 'active') return false;
    if (site !== null && (d.site ?? null) !== site) return false;
    if (groups.length > 0 && !d.groups.some((g) => groups.includes(g))) return false;
    if (fromMin === null && fromMax === null) return true;
    const v = d.firmwareVersion;
    if (v === null) return false;
    try {
      if (fromMin !== null && compareVersions(v, fromMin) < 0) return false;
      if (fromMax !== null && compareVersions(v, fromMax) > 0) return false;
    } catch {
      return false;
    }
    return true;
  });
}
