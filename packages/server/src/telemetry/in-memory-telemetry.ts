/**
 * In-memory fakes of the telemetry ports, for unit tests and the bench baseline: a TelemetryStore,
 * an AuditWriter that keeps events, and a UnitOfWork that can be held shut (to prove that nothing
 * is acknowledged before the commit) and that applies writes only when the "transaction" ends.
 */
import type { AuditEventInput } from '../audit/index.js';
import { AppError, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { AuditBatchWriter, IngestScope } from './group-commit.js';
import type { DeviceSeqAdvance, ReadingRow, TelemetryStore } from './store.js';

export class MemoryTelemetryData {
  readonly readings: ReadingRow[] = [];
  readonly lastSeq = new Map<string, number>();
  readonly audit: Array<{ ctx: RequestContext; event: AuditEventInput }> = [];
  commits = 0;
}

class StagedTelemetryStore implements TelemetryStore {
  readonly rows: ReadingRow[] = [];
  readonly seqs = new Map<string, number>();
  constructor(private readonly data: MemoryTelemetryData) {}
  lastSeqs(deviceIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of deviceIds) {
      const seq = this.data.lastSeq.get(id);
      if (seq !== undefined) out.set(id, seq);
    }
    return Promise.resolve(out);
  }
  findDigest(deviceId: string, seq: number, measuredAt: string): Promise<string | undefined> {
    const row = this.data.readings.find((r) => r.deviceId === deviceId && r.seq === seq && r.idx === 0 && r.measuredAt === measuredAt);
    return Promise.resolve(row?.digest ?? undefined);
  }
  insertReadings(rows: readonly ReadingRow[]): Promise<void> {
    this.rows.push(...rows);
    return Promise.resolve();
  }
  advance(states: readonly DeviceSeqAdvance[], expected: ReadonlyMap<string, number>): Promise<void> {
    for (const s of states) {
      if (this.data.lastSeq.get(s.deviceId) !== expected.get(s.deviceId)) throw new AppError('STORAGE_CONFLICT');
      this.seqs.set(s.deviceId, s.lastSeq);
    }
    return Promise.resolve();
  }
  readingsForDevice(orgId: string, deviceId: string, from: string, to: string, limit: number): Promise<ReadingRow[]> {
    return Promise.resolve(this.data.readings.filter((r) => r.orgId === orgId && r.deviceId === deviceId && r.measuredAt >= from && r.measuredAt < to).slice(0, limit));
  }
}

/** A UnitOfWork over MemoryTelemetryData. `hold()` makes the next commits wait until `release()`. */
export class MemoryIngestUnitOfWork implements UnitOfWork<IngestScope> {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  /** Set to make the next run fail (a database outage). */
  failNext: Error | undefined;

  constructor(readonly data: MemoryTelemetryData = new MemoryTelemetryData()) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async run<T>(fn: (scope: IngestScope) => Promise<T>): Promise<T> {
    const store = new StagedTelemetryStore(this.data);
    const events: Array<{ ctx: RequestContext; event: AuditEventInput }> = [];
    const audit: AuditBatchWriter = {
      append: (ctx, batch) => {
        for (const event of batch) events.push({ ctx, event });
        return Promise.resolve();
      },
    };
    const result = await fn({ telemetry: store, audit });
    if (this.gate) await this.gate;
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    // Commit: apply everything at once.
    this.data.readings.push(...store.rows);
    for (const [id, seq] of store.seqs) this.data.lastSeq.set(id, seq);
    this.data.audit.push(...events);
    this.data.commits += 1;
    return result;
  }
}
