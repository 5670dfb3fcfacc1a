/**
 * The device registry as a list: search (serial, id, model), filters (model, site, status, online) and
 * sorting, keyset-paged with kernel/list-page.ts.
 *
 * "Online" is "seen within ONLINE_WINDOW_MS" (last_seen_at, which every accepted message and
 * connection advances): a broker's connection table is per node, the registry is shared.
 *
 * MUST: the store query is scoped to the caller's organization (DeviceStore.page filters by it),
 *       and the service authorizes devices:read on that organization before it runs.
 * MUST: the sort key comes from DEVICE_SORT; the store maps it to a column itself.
 */
import type { CursorPosition, SortSpec } from '../kernel/index.js';
import type { Device, DeviceStatus } from './model.js';

export const DEVICE_SORT_KEYS = ['serial', 'model', 'status', 'lastSeenAt', 'createdAt', 'certificateExpiry'] as const;
export type DeviceSortKey = (typeof DEVICE_SORT_KEYS)[number];
export const DEVICE_SORT: SortSpec<DeviceSortKey> = { keys: DEVICE_SORT_KEYS, defaultSort: 'serial', defaultDirection: 'asc' };

/** A device seen within this window counts as online. */
export const ONLINE_WINDOW_MS = 120_000;

export interface DeviceListFilter {
  /** Part of the serial, id or model (case-insensitive). */
  readonly q?: string | undefined;
  readonly model?: string | undefined;
  /** Devices at this site (exact code). */
  readonly site?: string | undefined;
  readonly statuses?: readonly DeviceStatus[] | undefined;
  /** true: seen at or after `onlineSince`; false: never seen, or before it. */
  readonly online?: boolean | undefined;
  /** Set by the service from its clock when `online` is given. */
  readonly onlineSince?: string | undefined;
}

export function devicePosition(d: Device, sort: DeviceSortKey): CursorPosition {
  switch (sort) {
    case 'serial':
      return { value: d.serial, id: d.id };
    case 'model':
      return { value: d.model, id: d.id };
    case 'status':
      return { value: d.status, id: d.id };
    case 'lastSeenAt':
      return { value: d.lastSeenAt ?? '', id: d.id };
    case 'createdAt':
      return { value: d.createdAt, id: d.id };
    case 'certificateExpiry':
      return { value: d.certificate?.notAfter ?? '', id: d.id };
  }
}
