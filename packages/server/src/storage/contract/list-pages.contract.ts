/**
 * The paged lists' contract (kernel/list-page.ts over storage/keyset.ts), on both dialects:
 * walking every page of every sort key in both directions yields each row once, in (sort, id)
 * order; filters narrow; another organization's rows never appear.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALERT_SORT,
  alertPosition,
  SECURITY_ALERT_SORT,
  SECURITY_EVENT_SORT,
  securityAlertPosition,
  securityEventPosition,
  type ClinicalAlert,
  type SecurityAlert,
} from '../../alerts/index.js';
import { DEVICE_SORT, devicePosition, type Device, type DeviceListFilter, type DeviceSortKey } from '../../devices/index.js';
import type { StoredSecurityEvent } from '../../patients/index.js';
import { clinicalAlertStore } from '../stores/clinical-alert-store.js';
import { securityAlertStore } from '../stores/security-alert-store.js';
import { securityEventStore } from '../stores/security-event-store.js';
import { compareSortValues, decodeListCursor, parseListPage, toPaged, type CursorPosition, type ListPage, type SortSpec } from '../../kernel/index.js';
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

  test('ok/clinical alerts: every sort key both ways, only the patients asked for, severity filter; org-scoped', () =>
    withTestDatabase(open, async (t) => {
      const store = clinicalAlertStore(t.database.db);
      const SEV = ['low', 'medium', 'high'] as const;
      const STATUS = ['open', 'acknowledged', 'resolved'] as const;
      const rows: ClinicalAlert[] = Array.from({ length: 11 }, (_, i) => ({
        id: `a-${String(i).padStart(2, '0')}`,
        orgId: 'org-a',
        patientId: `p-${i % 3}`,
        ruleId: `r-${i}`,
        metric: i % 2 === 0 ? '8867-4' : '59408-5',
        comparison: 'gt',
        threshold: 100,
        value: 120,
        severity: SEV[i % 3] ?? 'low',
        status: STATUS[i % 3] ?? 'open',
        openedAt: at(i % 4),
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
      }));
      for (const a of rows) assert.equal(await store.insertIfNone(a), true);
      assert.equal(await store.insertIfNone({ ...rows[0]!, id: 'a-other', orgId: 'org-b', ruleId: 'r-other' }), true);
      const readable = ['p-0', 'p-1'];
      const visible = rows.filter((a) => readable.includes(a.patientId));
      for (const sort of ALERT_SORT.keys) {
        for (const direction of ['asc', 'desc'] as const) {
          const walked = await walkPages(ALERT_SORT, `${direction === 'desc' ? '-' : ''}${sort}`, 3, (page) => store.list('org-a', { patientIds: readable, limit: 0, page }), alertPosition);
          assert.deepEqual(walked.map((a) => a.id), expectedOrder(visible, sort, direction, alertPosition), `${sort} ${direction}`);
        }
      }
      const high = await store.list('org-a', { patientIds: readable, severities: ['high'], limit: 0, page: parseListPage(ALERT_SORT, { limit: 100 }) });
      assert.deepEqual(high.map((a) => a.id).sort(), visible.filter((a) => a.severity === 'high').map((a) => a.id).sort());
      assert.deepEqual(await store.list('org-b', { patientIds: readable, limit: 0, page: parseListPage(ALERT_SORT, { limit: 100 }) }).then((r) => r.map((a) => a.id)), ['a-other']);
    }));

  test('ok/security alerts and events: every sort key both ways; scoped to the organization asked', () =>
    withTestDatabase(open, async (t) => {
      const alerts = securityAlertStore(t.database.db);
      const events = securityEventStore(t.database.db);
      const SEV = ['low', 'medium', 'high', 'critical'] as const;
      const alertRows: SecurityAlert[] = Array.from({ length: 10 }, (_, i) => ({
        id: `s-${String(i).padStart(2, '0')}`,
        orgId: 'org-a',
        detector: i % 2 === 0 ? 'brute-force' : 'device-replay',
        severity: SEV[i % 4] ?? 'low',
        title: 't',
        summary: 's',
        subject: { kind: 'user', id: 'u-1' },
        count: i % 3,
        firstSeenAt: at(i % 3),
        lastSeenAt: at(10 + (i % 4)),
        status: i % 3 === 0 ? 'open' : 'acknowledged',
        assignee: null,
        suppressedReason: null,
        notes: [],
        evidence: { securityEventIds: [], auditSeqs: [] },
      }));
      for (const a of alertRows) await alerts.insert(a);
      await alerts.insert({ ...alertRows[0]!, id: 's-other', orgId: 'org-b' });
      for (const sort of SECURITY_ALERT_SORT.keys) {
        for (const direction of ['asc', 'desc'] as const) {
          const walked = await walkPages(SECURITY_ALERT_SORT, `${direction === 'desc' ? '-' : ''}${sort}`, 3, (page) => alerts.list({ orgIds: ['org-a'], limit: 0, page }), securityAlertPosition);
          assert.deepEqual(walked.map((a) => a.id), expectedOrder(alertRows, sort, direction, securityAlertPosition), `alerts ${sort} ${direction}`);
        }
      }
      const critical = await alerts.list({ orgIds: ['org-a'], severities: ['critical', 'high'], limit: 0, page: parseListPage(SECURITY_ALERT_SORT, { limit: 100 }) });
      assert.deepEqual(critical.map((a) => a.id).sort(), alertRows.filter((a) => a.severity === 'critical' || a.severity === 'high').map((a) => a.id).sort());

      const ESEV = ['info', 'low', 'medium', 'high', 'critical'] as const;
      const eventRows: StoredSecurityEvent[] = Array.from({ length: 10 }, (_, i) => ({
        id: `e-${String(i).padStart(2, '0')}`,
        time: at(i % 4),
        type: i % 2 === 0 ? 'identity.login.failed' : 'mqtt.refused',
        severity: ESEV[i % 5] ?? 'info',
        reason: 'r',
        orgId: 'org-a',
      }));
      for (const e of eventRows) await events.insert(e);
      await events.insert({ ...eventRows[0]!, id: 'e-other', orgId: 'org-b' });
      for (const sort of SECURITY_EVENT_SORT.keys) {
        for (const direction of ['asc', 'desc'] as const) {
          const walked = await walkPages(SECURITY_EVENT_SORT, `${direction === 'desc' ? '-' : ''}${sort}`, 4, (page) => alerts.events({ orgId: 'org-a', limit: 0, page }), securityEventPosition);
          assert.deepEqual(walked.map((e) => e.id), expectedOrder(eventRows, sort, direction, securityEventPosition), `events ${sort} ${direction}`);
        }
      }
    }));

  test('fail/a cursor made for one sort does not page another', () => {
    const page = parseListPage(DEVICE_SORT, { sort: 'serial', limit: 1 });
    const paged = toPaged([device(1), device(2)], page, devicePosition);
    assert.ok(paged.nextCursor !== null);
    assert.throws(() => decodeListCursor(paged.nextCursor ?? '', 'model', 'asc'), /cursor/);
  });
}
