/**
 * The storage ports of telemetry: readings with per-device sequence state, and device commands.
 * Implemented over kysely in storage/stores/telemetry-store.ts (SQLite and PostgreSQL).
 *
 * MUST: every read of tenant data names the organization (commands), or the device whose
 *       authenticated identity the caller already holds (ingest state).
 */
export interface ReadingRow {
  readonly orgId: string;
  readonly deviceId: string;
  readonly patientId: string | null;
  readonly seq: number;
  readonly idx: number;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly measuredAt: string;
  readonly receivedAt: string;
  /** SHA-256 (hex) of the message's canonical form; on idx 0 only. */
  readonly digest: string | null;
}

export interface DeviceSeqAdvance {
  readonly deviceId: string;
  readonly orgId: string;
  readonly lastSeq: number;
  readonly lastMeasuredAt: string;
}

export interface TelemetryStore {
  /** Last committed seq per device (absent: nothing committed yet). */
  lastSeqs(deviceIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Digest of a committed message; undefined when the device has no message with that seq
   * measured at that time (a redelivery carries the same time: another time is another message).
   */
  findDigest(deviceId: string, seq: number, measuredAt: string): Promise<string | undefined>;
  insertReadings(rows: readonly ReadingRow[]): Promise<void>;
  /** Raises each device's last_seq; throws STORAGE_CONFLICT if another writer moved it first. */
  advance(states: readonly DeviceSeqAdvance[], expected: ReadonlyMap<string, number>, now: string): Promise<void>;
  /** Readings of a device in [from, to), oldest first. */
  readingsForDevice(orgId: string, deviceId: string, from: string, to: string, limit: number): Promise<ReadingRow[]>;
}

export interface TelemetryRetentionStore {
  /** Creates time partitions ahead of `at` (PostgreSQL); no-op elsewhere. */
  ensurePartitions(at: Date): Promise<string[]>;
  /** Removes readings measured before `cutoff`: drops whole partitions where it can, deletes rows otherwise. */
  removeBefore(cutoff: string): Promise<{ droppedPartitions: string[]; deletedRows: number }>;
}

export type CommandStatus = 'pending' | 'sent' | 'done' | 'failed' | 'rejected' | 'expired';

export interface DeviceCommandRow {
  readonly id: string;
  readonly orgId: string;
  readonly deviceId: string;
  readonly name: string;
  /** JSON text of the arguments. */
  readonly args: string;
  readonly nonce: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly status: CommandStatus;
  readonly issuedBy: string;
  readonly deliveredAt: string | null;
  readonly ackedAt: string | null;
  readonly ackReason: string | null;
}

export interface DeviceCommandStore {
  insert(row: DeviceCommandRow): Promise<void>;
  find(orgId: string, id: string): Promise<DeviceCommandRow | undefined>;
  /** Commands of a device that are not yet sent and not expired at `now`, oldest first. */
  pendingFor(orgId: string, deviceId: string, now: string, limit: number): Promise<DeviceCommandRow[]>;
  markSent(orgId: string, id: string, at: string): Promise<boolean>;
  /** A device's commands, newest first. */
  listForDevice(orgId: string, deviceId: string, limit: number): Promise<DeviceCommandRow[]>;
  /** Records a device's ack once: only a command in 'pending' or 'sent' moves; returns whether it did. */
  recordAck(orgId: string, deviceId: string, id: string, nonce: string, status: CommandStatus, reason: string | null, at: string): Promise<boolean>;
}

/** One reading as the vitals API shows it. */
export interface VitalPoint {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly measuredAt: string;
  readonly deviceId: string;
}

/** One series of the ward board: the newest reading, and one-minute means oldest first. */
export interface BoardSeries {
  readonly latest: VitalPoint;
  readonly trend: ReadonlyArray<{ readonly t: string; readonly v: number }>;
}

export interface VitalBucket {
  /** Start of the bucket (from + k * bucketSeconds). */
  readonly t: string;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

/** Reads of readings attributed to a patient. Every method filters by organization and patient. */
export interface VitalsStore {
  /** The newest reading of each metric named (by measurement time). */
  latest(orgId: string, patientId: string, metrics: readonly string[]): Promise<VitalPoint[]>;
  /** Readings of one metric in [from, to), ordered by time ('asc' oldest first). */
  range(orgId: string, patientId: string, metric: string, from: string, to: string, limit: number, order: 'asc' | 'desc'): Promise<VitalPoint[]>;
  /** Min, max, mean and count per bucket of `bucketSeconds` from `from`, computed by the database; empty buckets are absent. */
  buckets(orgId: string, patientId: string, metric: string, from: string, to: string, bucketSeconds: number, limit: number): Promise<VitalBucket[]>;
  /**
   * The ward board's series of many patients in a fixed number of queries: per patient and metric
   * with any reading, the newest reading and the one-minute means over [from, to) (whole minutes),
   * as latest() and buckets(..., 60, ...) would answer them one by one.
   */
  boardSeries(orgId: string, patientIds: readonly string[], metrics: readonly string[], from: string, to: string): Promise<Map<string, Map<string, BoardSeries>>>;
  /** One reading by its key, or undefined. */
  reading(orgId: string, deviceId: string, seq: number, idx: number): Promise<(VitalPoint & { readonly patientId: string | null }) | undefined>;
}
