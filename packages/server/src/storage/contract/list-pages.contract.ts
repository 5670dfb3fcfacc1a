/**
 * The paged lists' contract (kernel/list-page.ts over storage/keyset.ts), on both dialects:
 * walking every page of every sort key in both directions yields each row once, in (sort, id)
 * order; filters narrow; another organization's rows never appear.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEVICE_SORT, devicePosition, type Device, type DeviceListFilter, type DeviceSortKey } from '../../devices/index.js';
import { compareSortValues, parseListPage, toPaged, type CursorPosition, type ListPage, type SortSpec } from '../../kernel/index.js';
import { deviceStore } from '../stores/device-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

/** Walks every page of `size` rows; returns the ids in the order the pages gave them. */
export async function walkPages<T extends { readonly id: string }, K extends string>(
  spec: SortSpec<K>,
  sort: string,
  size: number,
  fetch: (page: ListPage<K>) => Promise<T[]>,
  positionOf: (row: T, sort: K) => CursorPosition,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i += 1) {
    const page = parseListPage(spec, { sort, limit: size, cursor });
    const paged = toPaged(await fetch(page), page, positionOf);
    assert.ok(paged.items.length <= size);
    out.push(...paged.items);
    if (paged.nextCursor === null) return out;
    cursor = paged.nextCursor;
  }
  throw new Error('paging did not end');
}

/** The order the keyset rule promises: sort value, then id, in the direction asked. */
export function expectedOrder<T extends { readonly id: string }, K extends string>(rows: readonly T[], sort: K, direction: 'asc' | 'desc', positionOf: (row: T, sort: K) => CursorPosition): string[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      const x = positionOf(a, sort);
      const y = positionOf(b, sort);
      return sign * (compareSortValues(x.value, y.value) || compareSortValues(x.id, y.id));
    })
    .map((r) => r.id);
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const STATUSES = ['active', 'quarantined', 'pending', 'revoked'] as const;

function device(i: number, orgId = 'org-a'): Device {
  return {
    id: `d-${String(i).padStart(2, '0')}`,
    orgId,
    model: i % 3 === 0 ? 'pulse-2' : 'spo2-1',
    serial: `sn-${String((i * 7) % 13).padStart(2, '0')}-${i % 2}`,
    udi: null,
    firmwareVersion: '1.0.0',
    status: STATUSES[i % 4] ?? 'active',
    statusReason: 'enrolled',
    statusChangedAt: at(0),
    groups: [],
    createdAt: at(i % 5),
    lastSeenAt: i % 4 === 1 ? null : at(100 + (i % 6)),
    lastSeenAddress: null,
    certificate: i % 5 === 0 ? null : { serial: `c-${i}`, notAfter: at(1000 + (i % 3)), fingerprint: 'ab'.repeat(32) },
  };
}

export function listPagesContract(open: () => Promise<TestDatabase>): void {
  test('ok/devices: every sort key, both directions, pages of 4: each row once, in (sort, id) order, own organization only', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      const rows = Array.from({ length: 13 }, (_, i) => device(i));
      for (const d of rows) await store.insert(d);
      await store.insert({ ...device(40, 'org-b'), serial: 'sn-other' });
      for (const sort of DEVICE_SORT.keys) {
        for (const direction of ['asc', 'desc'] as const) {
          const walked = await walkPages(DEVICE_SORT, `${direction === 'desc' ? '-' : ''}${sort}`, 4, (page) => store.page('org-a', {}, page), devicePosition);
          assert.deepEqual(
            walked.map((d) => d.id),
            expectedOrder(rows, sort, direction, devicePosition),
            `${sort} ${direction}`,
          );
        }
      }
    }));

  test('ok/devices: search and filters narrow the list; wildcards in a search are literal', () =>
    withTestDatabase(open, async (t) => {
      const store = deviceStore(t.database.db);
      const rows = Array.from({ length: 13 }, (_, i) => device(i));
      for (const d of rows) await store.insert(d);
      await store.insert({ ...device(41, 'org-b'), serial: 'sn-03-1' });
      const ids = async (filter: DeviceListFilter, sort: DeviceSortKey = 'serial') =>
        (await store.page('org-a', filter, parseListPage(DEVICE_SORT, { sort, limit: 200 }))).map((d) => d.id).sort();
      const expect = (pred: (d: Device) => boolean) => rows.filter(pred).map((d) => d.id).sort();
      assert.deepEqual(await ids({ q: 'SN-03' }), expect((d) => d.serial.startsWith('sn-03')), 'case-insensitive serial search');
      assert.deepEqual(await ids({ q: 'd-1' }), expect((d) => d.id.includes('d-1')), 'id search');
      assert.deepEqual(await ids({ q: '%' }), [], 'a % is a literal character, not a wildcard');
      assert.deepEqual(await ids({ q: '_' }), [], 'an _ is a literal character');
      assert.deepEqual(await ids({ model: 'pulse-2' }), expect((d) => d.model === 'pulse-2'));
      assert.deepEqual(await ids({ statuses: ['quarantined', 'revoked'] }), expect((d) => d.status === 'quarantined' || d.status === 'revoked'));
      const since = at(103);
      assert.deepEqual(await ids({ online: true, onlineSince: since }), expect((d) => d.lastSeenAt !== null && d.lastSeenAt >= since));
      assert.deepEqual(await ids({ online: false, onlineSince: since }), expect((d) => d.lastSeenAt === null || d.lastSeenAt < since));
      assert.deepEqual(await ids({ q: 'sn-03-1', model: 'pulse-2' }), expect((d) => d.serial === 'sn-03-1' && d.model === 'pulse-2'), 'filters combine');
    }));
}
