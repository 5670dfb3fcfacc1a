/** The contract of the patients stores (patients, care teams, training, break-glass) and the security-event store. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError, newId } from '../../kernel/index.js';
import type { BreakGlassGrantRow, SealedPatientRow, StoredSecurityEvent } from '../../patients/index.js';
import { breakGlassStore, careTeamStore, patientStore, trainingStore } from '../stores/patient-stores.js';
import { securityEventStore, StoreSecurityEventSink } from '../stores/security-event-store.js';
import { ManualClock } from '../../kernel/index.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const ORG = newId();
const OTHER = newId();

function patient(orgId: string, over: Partial<SealedPatientRow> = {}): SealedPatientRow {
  const id = over.id ?? newId();
  return {
    id,
    orgId,
    mrnIndex: `idx-${id}`,
    sealed: { mrn: `s-mrn-${id}`, givenName: 's-g', familyName: 's-f', birthDate: 's-b', sex: 's-s' },
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'u-admin',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

function grant(orgId: string, patientId: string, userId: string, grantedAt: string, expiresAt: string): BreakGlassGrantRow {
  return {
    id: newId(),
    orgId,
    patientId,
    userId,
    reasonSealed: 'sealed-reason',
    reasonHash: 'hash',
    grantedAt,
    expiresAt,
    reviewOutcome: null,
    reviewNoteSealed: null,
    reviewedBy: null,
    reviewedAt: null,
  };
}

export function patientStoresContract(open: () => Promise<TestDatabase>): void {
  test('ok/patients: insert, get and list are scoped by organization', () =>
    withTestDatabase(open, async (t) => {
      const store = patientStore(t.database.db);
      const a = patient(ORG, { createdAt: '2026-01-01T00:00:00.000Z' });
      const b = patient(ORG, { createdAt: '2026-01-02T00:00:00.000Z' });
      const foreign = patient(OTHER);
      for (const row of [b, a, foreign]) await store.insert(row);
      assert.deepEqual(await store.get(ORG, a.id), a);
      assert.equal(await store.get(OTHER, a.id), undefined, 'no lookup across organizations');
      assert.deepEqual((await store.list(ORG)).map((r) => r.id), [a.id, b.id]);
      assert.deepEqual((await store.list(ORG, { ids: [b.id, foreign.id] })).map((r) => r.id), [b.id]);
      assert.deepEqual(await store.list(ORG, { ids: [] }), []);
      assert.deepEqual((await store.findByMrnIndex(ORG, a.mrnIndex))?.id, a.id);
      assert.equal(await store.findByMrnIndex(OTHER, a.mrnIndex), undefined);
    }));

  test('fail/the MRN index is unique within an organization only', () =>
    withTestDatabase(open, async (t) => {
      const store = patientStore(t.database.db);
      await store.insert(patient(ORG, { mrnIndex: 'same' }));
      await store.insert(patient(OTHER, { mrnIndex: 'same' }));
      await assert.rejects(store.insert(patient(ORG, { mrnIndex: 'same' })), (e: unknown) => isAppError(e) && e.code === 'PATIENTS_MRN_TAKEN');
    }));

  test('ok/patients: updateSealed and scanAll (key rotation)', () =>
    withTestDatabase(open, async (t) => {
      const store = patientStore(t.database.db);
      const rows = [patient(ORG), patient(OTHER), patient(ORG)];
      for (const row of rows) await store.insert(row);
      const ids = rows.map((r) => r.id).sort();
      const first = await store.scanAll(null, 2);
      assert.deepEqual(first.map((r) => r.id), ids.slice(0, 2));
      assert.deepEqual((await store.scanAll(first[1]?.id ?? null, 2)).map((r) => r.id), ids.slice(2));
      const sealed = { mrn: 'n1', givenName: 'n2', familyName: 'n3', birthDate: 'n4', sex: 'n5' };
      assert.equal(await store.updateSealed(OTHER, rows[0]?.id ?? '', sealed, '2026-02-01T00:00:00.000Z'), false, 'scoped by organization');
      assert.equal(await store.updateSealed(ORG, rows[0]?.id ?? '', sealed, '2026-02-01T00:00:00.000Z'), true);
      assert.deepEqual((await store.get(ORG, rows[0]?.id ?? ''))?.sealed, sealed);
    }));

  test('ok/care teams: replace, members (primary first), patientsOf', () =>
    withTestDatabase(open, async (t) => {
      const patients = patientStore(t.database.db);
      const teams = careTeamStore(t.database.db);
      const p1 = patient(ORG);
      const p2 = patient(ORG);
      await patients.insert(p1);
      await patients.insert(p2);
      await teams.replace(ORG, p1.id, [{ userId: 'u-b', role: 'member' }, { userId: 'u-a', role: 'primary' }], '2026-01-01T00:00:00.000Z', 'u-admin');
      await teams.replace(ORG, p2.id, [{ userId: 'u-b', role: 'primary' }], '2026-01-01T00:00:00.000Z', 'u-admin');
      assert.deepEqual(await teams.members(ORG, p1.id), [{ userId: 'u-a', role: 'primary' }, { userId: 'u-b', role: 'member' }]);
      assert.deepEqual(await teams.members(OTHER, p1.id), []);
      assert.deepEqual((await teams.patientsOf(ORG, 'u-b')).sort(), [p1.id, p2.id].sort());
      await teams.replace(ORG, p1.id, [], '2026-01-02T00:00:00.000Z', 'u-admin');
      assert.deepEqual(await teams.members(ORG, p1.id), []);
      assert.deepEqual(await teams.patientsOf(ORG, 'u-b'), [p2.id]);
    }));

  test('ok/training records: per user and organization, newest completion first', () =>
    withTestDatabase(open, async (t) => {
      const store = trainingStore(t.database.db);
      const base = { orgId: ORG, userId: 'u-1', recordedAt: '2026-01-01T00:00:00.000Z', recordedBy: 'u-admin' };
      await store.insert({ ...base, id: newId(), course: 'hipaa-privacy', completedAt: '2025-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:00:00.000Z' });
      await store.insert({ ...base, id: newId(), course: 'hipaa-security', completedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' });
      await store.insert({ ...base, orgId: OTHER, id: newId(), course: 'hipaa-security', completedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' });
      assert.deepEqual((await store.listForUser(ORG, 'u-1')).map((r) => r.course), ['hipaa-security', 'hipaa-privacy']);
      assert.deepEqual(await store.listForUser(ORG, 'u-2'), []);
    }));

  test('ok/break-glass: active windows, review queue, review once', () =>
    withTestDatabase(open, async (t) => {
      const patients = patientStore(t.database.db);
      const store = breakGlassStore(t.database.db);
      const p = patient(ORG);
      await patients.insert(p);
      const active = grant(ORG, p.id, 'u-1', '2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z');
      const old = grant(ORG, p.id, 'u-1', '2026-01-01T08:00:00.000Z', '2026-01-01T09:00:00.000Z');
      await store.insert(active);
      await store.insert(old);
      assert.deepEqual((await store.activeFor(ORG, p.id, 'u-1', '2026-01-01T10:30:00.000Z')).map((g) => g.id), [active.id]);
      assert.deepEqual(await store.activeFor(ORG, p.id, 'u-1', '2026-01-01T11:00:00.000Z'), [], 'the end instant is expired');
      assert.deepEqual(await store.activeFor(OTHER, p.id, 'u-1', '2026-01-01T10:30:00.000Z'), []);
      assert.deepEqual(await store.activePatientsOf(ORG, 'u-1', '2026-01-01T10:30:00.000Z'), [p.id]);
      assert.deepEqual((await store.list(ORG, 'pending', 10)).map((g) => g.id), [active.id, old.id]);
      const review = { outcome: 'justified' as const, noteSealed: 'sealed-note', reviewedBy: 'u-officer', reviewedAt: '2026-01-02T00:00:00.000Z' };
      assert.equal(await store.review(OTHER, old.id, review), false);
      assert.equal(await store.review(ORG, old.id, review), true);
      assert.equal(await store.review(ORG, old.id, review), false, 'reviewed once');
      assert.deepEqual((await store.list(ORG, 'pending', 10)).map((g) => g.id), [active.id]);
      const reviewed = await store.list(ORG, 'reviewed', 10);
      assert.equal(reviewed[0]?.reviewOutcome, 'justified');
      assert.equal(reviewed[0]?.reviewNoteSealed, 'sealed-note');
      assert.equal(await store.updateSealed(ORG, old.id, 'r2', 'n2'), true);
      assert.equal((await store.get(ORG, old.id))?.reasonSealed, 'r2');
      assert.equal((await store.scanAll(null, 10)).length, 2);
    }));

  test('ok/security events: idempotent insert by id, listed newest first per organization', () =>
    withTestDatabase(open, async (t) => {
      const store = securityEventStore(t.database.db);
      const event: StoredSecurityEvent = {
        id: newId(),
        time: '2026-01-01T00:00:00.000Z',
        type: 'patients.break_glass',
        severity: 'high',
        reason: 'emergency-access',
        orgId: ORG,
        userId: 'u-1',
        patientId: 'p-1',
        source: '192.0.2.1',
        requestId: 'req-1',
        details: { grantId: 'g-1', minutes: 60, flag: true, none: null },
      };
      await store.insert(event);
      await store.insert(event);
      await store.insert({ ...event, id: newId(), time: '2026-01-02T00:00:00.000Z', type: 'device.cert.revoked', severity: 'medium' });
      await store.insert({ ...event, id: newId(), orgId: OTHER });
      const listed = await store.list(ORG);
      assert.equal(listed.length, 2);
      assert.equal(listed[0]?.type, 'device.cert.revoked');
      assert.deepEqual(listed[1], event);
      assert.deepEqual((await store.list(ORG, { type: 'patients.break_glass' })).map((e) => e.id), [event.id]);
    }));

  test('ok/the store-backed sink stores, keeps given ids (no duplicates), and never throws', () =>
    withTestDatabase(open, async (t) => {
      const clock = new ManualClock(Date.UTC(2026, 0, 5));
      const errors: unknown[] = [];
      const sink = new StoreSecurityEventSink(() => securityEventStore(t.database.db), clock, (error) => errors.push(error));
      sink.emit({ type: 'ingest.replay', severity: 'medium', reason: 'replay', orgId: ORG, deviceId: 'd-1' });
      const stored: StoredSecurityEvent = { id: newId(), time: '2026-01-04T00:00:00.000Z', type: 'patients.break_glass', severity: 'high', reason: 'emergency-access', orgId: ORG };
      await securityEventStore(t.database.db).insert(stored);
      sink.emit(stored);
      await sink.flush();
      const rows = await securityEventStore(t.database.db).list(ORG);
      assert.deepEqual(rows.map((r) => [r.type, r.time]), [['ingest.replay', '2026-01-05T00:00:00.000Z'], ['patients.break_glass', stored.time]]);
      const failing = new StoreSecurityEventSink(() => ({ insert: () => Promise.reject(new Error('down')), list: () => Promise.resolve([]) }), clock, (error) => errors.push(error));
      assert.doesNotThrow(() => failing.emit({ type: 'x.y', severity: 'low', reason: 'r' }));
      await failing.flush();
      assert.equal(failing.failures, 1);
      assert.equal(errors.length, 1);
    }));
}
