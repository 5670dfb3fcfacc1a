/**
 * Group commit: messages from every connection are gathered for up to `maxDelayMs` (or until
 * `maxBatch` are waiting), then written in ONE transaction with their audit events. Each
 * submitter's promise settles only after that transaction commits, which is what lets the
 * transport send the PUBACK (MQTT 3.1.1 §4.3.2) or the HTTP 202 strictly after the durable write.
 *
 * Audit: one summarizing event per device per batch ('telemetry.readings.ingest', target the
 * device, with count and first/last seq), not one per message, all appended with one chain-head
 * read and write. A reading is not a decision a person took; the audit log must still show that
 * this device's sequence numbers were committed at this time, and a summary per batch does that at
 * a cost that does not grow with the message rate. The actor is Vigil's ingest (system principal,
 * request id `ingest-<batch>`): the device authenticated, Vigil committed, for many devices at once.
 *
 * MUST: a message is acknowledged (its promise resolves) only after the commit that holds it.
 * MUST: a seq at or below the device's last committed seq is never stored again: a redelivery
 *       with the same content is 'duplicate' (acknowledged), anything else is 'replay' (refused).
 * MUST: a failed transaction rejects every message of the batch (the device resends them); a
 *       storage fault (STORAGE_UNAVAILABLE) also rejects every message queued behind it.
 */
import { hash } from 'node:crypto';
import { canonicalTelemetry, type TelemetryEnvelope } from '@vigil/protocol';
import type { AuditEventInput } from '../audit/index.js';
import { AppError, isAppError, isStorageUnavailable, newId, SYSTEM_PRINCIPAL, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { IngestDevice } from './model.js';
import type { DeviceSeqAdvance, ReadingRow, TelemetryStore } from './store.js';

/** Appends several audit events in one go (AuditLog.append bound to the transaction's store). */
export interface AuditBatchWriter {
  append(ctx: RequestContext, events: readonly AuditEventInput[]): Promise<unknown>;
}

export interface IngestScope {
  readonly telemetry: TelemetryStore;
  readonly audit: AuditBatchWriter;
}

export interface GroupCommitOptions {
  readonly maxDelayMs: number;
  readonly maxBatch: number;
  /** Which patient each device was bound to, and when (devices/ BindingCache). Absent: readings have no patient. */
  readonly attribution?: PatientAttribution;
  /**
   * Runs before each batch's transaction: the vitals sealer stores and commits its current data key
   * there (ADR 0008), never inside the transaction whose values it seals.
   */
  readonly prepare?: () => Promise<void>;
  /** Called with the stored readings after their transaction committed (clinical alerts, live push). Must not throw. */
  readonly onCommitted?: (readings: readonly ReadingRow[]) => void;
}

/** Port to devices/ bindings: the binding periods of each device (cached; loaded outside the commit transaction). */
export interface PatientAttribution {
  bindingsFor(deviceIds: readonly string[]): Promise<ReadonlyMap<string, readonly { readonly patientId: string; readonly startAt: string; readonly endAt: string | null }[]>>;
}

type BindingPeriods = ReadonlyMap<string, readonly { readonly patientId: string; readonly startAt: string; readonly endAt: string | null }[]>;

/** The patient bound to the device when the reading was measured: [startAt, endAt). */
function attributedPatient(periods: BindingPeriods, deviceId: string, measuredAtMs: number): string | null {
  for (const b of periods.get(deviceId) ?? []) {
    if (Date.parse(b.startAt) <= measuredAtMs && (b.endAt === null || measuredAtMs < Date.parse(b.endAt))) return b.patientId;
  }
  return null;
}

export type CommitResult = 'stored' | 'duplicate' | 'replay';

interface Pending {
  readonly device: IngestDevice;
  readonly envelope: TelemetryEnvelope;
  readonly digest: string;
  readonly source: string;
  resolve(result: CommitResult): void;
  reject(error: unknown): void;
}

/** SHA-256 of the canonical form: equal for a redelivery whatever its key order on the wire. */
export function messageDigest(envelope: TelemetryEnvelope): string {
  // One-shot hash of the same bytes as update(canonical).update('\n').update(sig): cheaper per message.
  return hash('sha256', `${canonicalTelemetry(envelope)}\n${envelope.sig ?? ''}`, 'hex');
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Batches committed and their sizes, for tests and the bench. */
  readonly stats = { batches: 0, messages: 0, largestBatch: 0 };

  constructor(
    private readonly uow: UnitOfWork<IngestScope>,
    private readonly clock: Clock,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(device: IngestDevice, envelope: TelemetryEnvelope, source: string): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new AppError('TELEMETRY_INGEST_UNAVAILABLE', { detail: 'ingest is shutting down' }));
    return new Promise<CommitResult>((resolve, reject) => {
      this.queue.push({ device, envelope, digest: messageDigest(envelope), source, resolve, reject });
      this.schedule();
    });
  }

  /** Commits what is queued and refuses new messages. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing !== undefined || this.queue.length > 0) {
      if (this.flushing) await this.flushing;
      else this.startFlush();
    }
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush picks the queue up when it ends
    if (this.queue.length >= this.options.maxBatch || this.options.maxDelayMs === 0) {
      this.startFlush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.startFlush();
    }, this.options.maxDelayMs);
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.flushing = this.commit(batch).finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async commit(batch: Pending[]): Promise<void> {
    let results: CommitResult[];
    let stored: ReadingRow[];
    try {
      // Bindings are read before the transaction opens: on SQLite the transaction holds the only connection.
      const periods: BindingPeriods = this.options.attribution ? await this.options.attribution.bindingsFor([...new Set(batch.map((p) => p.device.deviceId))]) : new Map();
      if (this.options.prepare) await this.options.prepare();
      ({ results, stored } = await this.commitOnce(batch, periods).catch((error: unknown) => {
        // Another node advanced a device first: decide again on fresh state, once.
        if (isAppError(error) && error.code === 'STORAGE_CONFLICT') return this.commitOnce(batch, periods);
        throw error;
      }));
    } catch (error) {
      // Storage cannot commit (issue 17): what is queued behind this batch fails with it, so that a
      // device's later seq never commits before an earlier one that failed (it would turn the
      // earlier one's resend into a replay). The devices resend, in order.
      const behind = isStorageUnavailable(error) ? this.queue.splice(0) : [];
      for (const p of [...batch, ...behind]) p.reject(error);
      return;
    }
    this.stats.batches += 1;
    this.stats.messages += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((p, i) => p.resolve(results[i] ?? 'replay'));
    if (stored.length > 0 && this.options.onCommitted) {
      try {
        this.options.onCommitted(stored);
      } catch {
        // The readings are committed and acknowledged; a listener's failure must not undo that.
      }
    }
  }

  private commitOnce(batch: readonly Pending[], periods: BindingPeriods): Promise<{ results: CommitResult[]; stored: ReadingRow[] }> {
    return this.uow.run(async (scope) => {
      const now = this.clock.now().toISOString();
      const deviceIds = [...new Set(batch.map((p) => p.device.deviceId))];
      const committed = await scope.telemetry.lastSeqs(deviceIds);
      const working = new Map(committed);
      const inBatch = new Map<string, string>();
      const rows: ReadingRow[] = [];
      const perDevice = new Map<string, { device: IngestDevice; source: string; first: number; last: number; count: number; lastMeasuredAt: string }>();
      const results: CommitResult[] = [];
      for (const p of batch) {
        const { deviceId } = p.device;
        const { seq } = p.envelope;
        const key = `${deviceId}\n${seq}`;
        // One text form for every stored time (toISOString: always milliseconds), so text order is time order.
        const measuredMs = Date.parse(p.envelope.ts);
        const measuredAt = new Date(measuredMs).toISOString();
        if (seq > (working.get(deviceId) ?? 0)) {
          working.set(deviceId, seq);
          inBatch.set(key, p.digest);
          const patientId = attributedPatient(periods, deviceId, measuredMs);
          p.envelope.readings.forEach((r, idx) =>
            rows.push({
              orgId: p.device.orgId,
              deviceId,
              patientId,
              seq,
              idx,
              metric: r.metric,
              value: r.value,
              unit: r.unit,
              measuredAt,
              receivedAt: now,
              digest: idx === 0 ? p.digest : null,
            }),
          );
          const agg = perDevice.get(deviceId);
          if (agg) {
            agg.last = seq;
            agg.count += 1;
            agg.lastMeasuredAt = p.envelope.ts;
          } else perDevice.set(deviceId, { device: p.device, source: p.source, first: seq, last: seq, count: 1, lastMeasuredAt: p.envelope.ts });
          results.push('stored');
          continue;
        }
        const stored = inBatch.get(key) ?? (await scope.telemetry.findDigest(deviceId, seq, measuredAt));
        results.push(stored === p.digest ? 'duplicate' : 'replay');
      }
      if (rows.length > 0) await scope.telemetry.insertReadings(rows);
      const advances: DeviceSeqAdvance[] = [...perDevice.values()].map((a) => ({
        deviceId: a.device.deviceId,
        orgId: a.device.orgId,
        lastSeq: a.last,
        lastMeasuredAt: a.lastMeasuredAt,
      }));
      if (advances.length > 0) await scope.telemetry.advance(advances, committed, now);
      if (perDevice.size > 0) {
        const events: AuditEventInput[] = [...perDevice.values()].map((a) => ({
          action: 'telemetry.readings.ingest',
          target: { type: 'device', id: a.device.deviceId },
          outcome: 'success',
          orgId: a.device.orgId,
          details: { messages: a.count, firstSeq: a.first, lastSeq: a.last, source: a.source.slice(0, 64) },
        }));
        await scope.audit.append({ principal: SYSTEM_PRINCIPAL, requestId: `ingest-${newId()}`, source: 'ingest' }, events);
      }
      return { results, stored: rows };
    });
  }
}
