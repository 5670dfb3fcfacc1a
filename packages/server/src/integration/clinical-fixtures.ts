/**
 * Fixtures for clinical-data tests: the patients harness plus bindings, the vitals service and a
 * group committer that attributes readings, over one real platform (SQLite, ManualClock).
 * Imported by tests only.
 */
import type { TelemetryEnvelope } from '@vigil/protocol';
import { ClinicalAlertService, InProcessClinicalEventBus, type ClinicalLiveEvent } from '../alerts/index.js';
import { BindingCache, BindingService, type Device, type PatientBinding } from '../devices/index.js';
import { MemorySecurityEventSink, newId } from '../kernel/index.js';
import { alertRuleStore, auditStore, bindingStore, clinicalAlertStore, deviceStore, SqlUnitOfWork, telemetryStore, vitalsStore, type Executor } from '../storage/index.js';
import { GroupCommitter, VitalsService, type IngestDevice, type ReadingRow } from '../telemetry/index.js';
import { contextOf, makePatientsHarness, makeUser, train, type PatientsHarness, type UserPrincipal } from './patients-fixtures.js';

export interface ClinicalHarness extends PatientsHarness {
  readonly bindings: BindingService;
  readonly bindingCache: BindingCache;
  readonly vitals: VitalsService;
  readonly committer: GroupCommitter;
  readonly clinicalAlerts: ClinicalAlertService;
  readonly bus: InProcessClinicalEventBus;
  /** Every live event published, in order. */
  readonly live: ClinicalLiveEvent[];
  /** Readings handed to onCommitted, in order. */
  readonly committed: ReadingRow[];
  readonly orgId: string;
  readonly admin: UserPrincipal;
  addDevice(): Promise<IngestDevice>;
  /** Commits one message per sample through the group commit. */
  send(device: IngestDevice, samples: readonly { ts: string; readings: TelemetryEnvelope['readings'] }[]): Promise<void>;
}

export async function makeClinicalHarness(onCommitted?: (readings: readonly ReadingRow[]) => void): Promise<ClinicalHarness> {
  const h = await makePatientsHarness();
  const { database, auditLog, clock } = h.platform;
  const { sealing, alertSealer } = h.platform.vitalsAtRest;
  const orgId = newId();
  const admin = makeUser(orgId, ['org-admin'], 'admin');
  h.users.add(admin);
  const bindingCache = new BindingCache((ids) => bindingStore(database.db).forDevices(ids), clock);
  const bindings = new BindingService({
    uow: new SqlUnitOfWork(database, (executor: Executor) => ({
      bindings: bindingStore(executor),
      devices: deviceStore(executor),
      audit: auditLog.writer(auditStore(executor, database.dialect)),
    })),
    patients: { exists: (o, p) => h.records.exists(o, p) },
    clock,
    onChange: (deviceId) => bindingCache.invalidate(deviceId),
  });
  const committed: ReadingRow[] = [];
  const bus = new InProcessClinicalEventBus();
  const live: ClinicalLiveEvent[] = [];
  bus.subscribe(orgId, (e) => live.push(e));
  const clinicalAlerts = new ClinicalAlertService({
    uow: new SqlUnitOfWork(database, (executor: Executor) => ({
      rules: alertRuleStore(executor),
      alerts: clinicalAlertStore(executor, alertSealer),
      audit: auditLog.writer(auditStore(executor, database.dialect)),
    })),
    patients: h.records,
    clock,
    bus,
    rulesReader: alertRuleStore(database.db),
    rulesTtlMs: 0,
  });
  const committer = new GroupCommitter(
    new SqlUnitOfWork(database, (executor: Executor) => {
      const store = auditStore(executor, database.dialect);
      return { telemetry: telemetryStore(executor, database.sqliteHandle, sealing), audit: { append: (ctx, events) => auditLog.append(store, ctx, events) } };
    }),
    clock,
    {
      ...(sealing ? { prepare: () => sealing.prepare() } : {}),
      maxDelayMs: 0,
      maxBatch: 500,
      attribution: bindingCache,
      onCommitted: (rows) => {
        committed.push(...rows);
        void clinicalAlerts.onCommitted(rows);
        onCommitted?.(rows);
      },
    },
  );
  const seqs = new Map<string, number>();
  return {
    ...h,
    alerts: h.alerts ?? new MemorySecurityEventSink(),
    bindings,
    bindingCache,
    vitals: new VitalsService({ patients: h.records, store: vitalsStore(database.db, database.dialect, sealing), clock }),
    committer,
    committed,
    clinicalAlerts,
    bus,
    live,
    orgId,
    admin,
    async addDevice() {
      const id = newId();
      const at = clock.now().toISOString();
      const device: Device = {
        id,
        orgId,
        model: 'vigil-sim',
        serial: `SIM-${id.slice(0, 8)}`,
        udi: null,
        firmwareVersion: null,
        status: 'active',
        statusReason: null,
        statusChangedAt: at,
        groups: [],
        createdAt: at,
        lastSeenAt: null,
        lastSeenAddress: null,
        certificate: null,
      };
      await deviceStore(database.db).insert(device);
      return { deviceId: id, orgId, model: 'vigil-sim', publicKeyPem: '' };
    },
    async send(device, samples) {
      await Promise.all(
        samples.map((s) => {
          const seq = (seqs.get(device.deviceId) ?? 0) + 1;
          seqs.set(device.deviceId, seq);
          return committer.submit(device, { v: 1, deviceId: device.deviceId, seq, ts: s.ts, readings: s.readings }, '192.0.2.50');
        }),
      );
      await clinicalAlerts.drain();
    },
  };
}

/** A trained clinician of the harness's organization, known to the user directory. */
export async function clinician(h: ClinicalHarness, name = 'clinician'): Promise<UserPrincipal> {
  const user = makeUser(h.orgId, ['clinician'], name);
  h.users.add(user);
  await train(h, h.admin, user);
  return user;
}

/** Registers a patient (as a trained org admin) and sets its care team. */
export async function patientWithTeam(h: ClinicalHarness, mrn: string, team: readonly UserPrincipal[]): Promise<string> {
  const admin = h.admin;
  await train(h, admin, admin).catch(() => undefined);
  const p = await h.records.create(contextOf(admin), { mrn, givenName: 'Test', familyName: `Patient ${mrn}`, birthDate: '1970-01-01', sex: 'unknown' });
  await h.records.updateCareTeam(contextOf(admin), p.id, team.map((u, i) => ({ userId: u.id, role: i === 0 ? 'primary' : 'member' })));
  return p.id;
}

export type { PatientBinding };
