/**
 * Fixtures for patients tests: services over a real platform (SQLite, key store, audit log,
 * ManualClock), a recording SecurityEventSink, a fake UserDirectory, and typed factories of user
 * principals and their contexts. Imported by tests only.
 */
import assert from 'node:assert/strict';
import type { AuditRecord } from '@vigil/protocol';
import { readAllEvents, type AuditReader } from '../audit/index.js';
import { isAppError, MemorySecurityEventSink, newId, type ErrorCode, type Principal, type RequestContext, type Role } from '../kernel/index.js';
import type { BreakGlassService, Demographics, PatientLabels, PatientService, PhiSealing, TrainingService, UserDirectory } from '../patients/index.js';
import { auditStore } from '../storage/index.js';
import { wirePatients } from '../composition/patients.js';
import { makePlatform, type TestPlatform } from './fixtures.js';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** For assert.rejects: the error is an AppError with this code. */
export function rejectsWith(code: ErrorCode): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code);
    return true;
  };
}

/** Every audit event of the platform, oldest first. */
export async function auditEvents(h: { readonly platform: { auditReader(): AuditReader } }): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const e of readAllEvents(h.platform.auditReader())) out.push(e);
  return out;
}

export function makeUser(orgId: string, roles: readonly Role[], name = roles.join('+')): UserPrincipal {
  return { kind: 'user', id: newId(), orgId, username: `${name}-${newId().slice(0, 8)}`, roles, sessionId: newId(), mfa: true };
}

export function contextOf(principal: Principal, requestId = `req-${newId().slice(0, 8)}`): RequestContext {
  return { principal, requestId, source: '192.0.2.10' };
}

/** A directory that knows exactly the users it was told about. */
export class FakeUserDirectory implements UserDirectory {
  readonly #users = new Set<string>();
  add(...users: readonly UserPrincipal[]): void {
    for (const u of users) this.#users.add(`${u.orgId}/${u.id}`);
  }
  isActiveUser(orgId: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.#users.has(`${orgId}/${userId}`));
  }
  displayNames(orgId: string, userIds: readonly string[]): Promise<Map<string, string>> {
    return Promise.resolve(new Map(userIds.filter((id) => this.#users.has(`${orgId}/${id}`)).map((id) => [id, `user ${id.slice(0, 8)}`])));
  }
}

export interface PatientsHarness extends TestPlatform {
  readonly records: PatientService;
  readonly labels: PatientLabels;
  readonly breakGlass: BreakGlassService;
  readonly training: TrainingService;
  readonly sealing: PhiSealing;
  readonly alerts: MemorySecurityEventSink;
  readonly users: FakeUserDirectory;
}

/**
 * The patients module as the platform wires it (composition/patients.ts), with a recording
 * security-event sink, a fake user directory, and the plain audit writer (no security tap: the
 * tests count the sink's events themselves).
 */
export async function makePatientsHarness(grantMinutes = 60): Promise<PatientsHarness> {
  const t = await makePlatform();
  const { database, auditLog, sealer, keys, clock, config } = t.platform;
  const alerts = new MemorySecurityEventSink();
  const users = new FakeUserDirectory();
  const wired = wirePatients({
    database,
    keys,
    sealer,
    auditLog,
    clock,
    config: { ...config, patients: { ...config.patients, breakGlassMinutes: grantMinutes } },
    securityEvents: alerts,
    users,
    audit: (executor) => auditLog.writer(auditStore(executor, database.dialect)),
  });
  return { ...t, alerts, users, records: wired.records, labels: wired.labels, breakGlass: wired.breakGlass, training: wired.training, sealing: wired.sealing };
}

export const ADA: Demographics = { mrn: 'MRN-0001', givenName: 'Ada', familyName: 'Lovelace', birthDate: '1985-12-10', sex: 'female' };
export const ALAN: Demographics = { mrn: 'MRN-0002', givenName: 'Alan', familyName: 'Turing', birthDate: '1952-06-23', sex: 'male' };

/** Records a current HIPAA course for `user`, by `admin`. */
export async function train(h: PatientsHarness, admin: UserPrincipal, user: UserPrincipal, validDays = 365): Promise<void> {
  const now = h.clock.now().getTime();
  await h.training.record(contextOf(admin), user.id, {
    course: 'hipaa-privacy-security',
    completedAt: new Date(now - 86_400_000).toISOString(),
    expiresAt: new Date(now - 86_400_000 + validDays * 86_400_000).toISOString(),
  });
}
