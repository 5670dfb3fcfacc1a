/**
 * SecurityEventStore over kysely, and a SecurityEventSink that writes through it.
 *
 * MUST: insert is idempotent on the event id (a module that already wrote its row in its own
 *       transaction may emit the same event to the sink without a duplicate).
 * MUST: the sink never throws into the emitter (kernel/security-event.ts): a failed write is
 *       counted and handed to `onError`.
 */
import type { AuditDetailValue } from '@vigil/protocol';
import { sql } from 'kysely';
import { newId, type Clock, type SecurityEvent, type SecurityEventSink, type SecuritySeverity } from '../../kernel/index.js';
import type { SecurityEventRetentionStore } from '../../alerts/index.js';
import type { SecurityEventStore, StoredSecurityEvent } from '../../patients/index.js';
import type { Executor } from '../sql-database.js';
import type { SecurityEventsTable } from '../tables.js';

export function securityEventStore(db: Executor): SecurityEventStore {
  return {
    async insert(event) {
      await db
        .insertInto('security_events')
        .values(toRow(event))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    async list(orgId, options = {}) {
      let query = db.selectFrom('security_events').selectAll().where('org_id', '=', orgId);
      if (options.type !== undefined) query = query.where('type', '=', options.type);
      const rows = await query.orderBy('time', 'desc').orderBy('id').limit(options.limit ?? 100).execute();
      return rows.map(securityEventFromRow);
    },
  };
}

/** Retention and the size cap of security_events (issue 11 item 5; alerts/security/event-retention.ts). */
export function securityEventRetentionStore(db: Executor): SecurityEventRetentionStore {
  return {
    async expireBefore(cutoff) {
      const result = await db.deleteFrom('security_events').where('time', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async count() {
      const row = await db.selectFrom('security_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async trimOldest(n) {
      if (n <= 0) return 0;
      const oldest = db
        .selectFrom('security_events')
        .select('id')
        .orderBy(sql`case when severity = 'info' then 0 else 1 end`)
        .orderBy('time')
        .limit(n);
      const result = await db.deleteFrom('security_events').where('id', 'in', oldest).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/**
 * A sink that stores every event (its own small transaction, off the caller's path). Events that
 * arrive with an id and time (StoredSecurityEvent) keep them, which makes a re-emit a no-op.
 */
export class StoreSecurityEventSink implements SecurityEventSink {
  failures = 0;
  #pending = new Set<Promise<void>>();

  constructor(
    private readonly store: () => SecurityEventStore,
    private readonly clock: Clock,
    private readonly onError: (error: unknown, event: SecurityEvent) => void,
  ) {}

  emit(event: SecurityEvent): void {
    const given = event as Partial<StoredSecurityEvent>;
    const stored: StoredSecurityEvent = { ...event, id: given.id ?? newId(), time: given.time ?? this.clock.now().toISOString() };
    const write = this.store()
      .insert(stored)
      .catch((error: unknown) => {
        this.failures += 1;
        this.onError(error, event);
      })
      .finally(() => this.#pending.delete(write));
    this.#pending.add(write);
  }

  /** Waits for the writes in flight (before closing the database, and in tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}

function toRow(e: StoredSecurityEvent): SecurityEventsTable {
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    severity: e.severity,
    reason: e.reason,
    org_id: e.orgId ?? null,
    user_id: e.userId ?? null,
    device_id: e.deviceId ?? null,
    patient_id: e.patientId ?? null,
    source: e.source ?? null,
    request_id: e.requestId ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}

export function securityEventFromRow(r: SecurityEventsTable): StoredSecurityEvent {
  const details = JSON.parse(r.details) as Record<string, AuditDetailValue>;
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    severity: r.severity as SecuritySeverity,
    reason: r.reason,
    ...(r.org_id !== null ? { orgId: r.org_id } : {}),
    ...(r.user_id !== null ? { userId: r.user_id } : {}),
    ...(r.device_id !== null ? { deviceId: r.device_id } : {}),
    ...(r.patient_id !== null ? { patientId: r.patient_id } : {}),
    ...(r.source !== null ? { source: r.source } : {}),
    ...(r.request_id !== null ? { requestId: r.request_id } : {}),
    details,
  };
}
