/**
 * How vitals are sealed at rest (issue 11, ADR 0008): the value of every reading, and the minute
 * rollups of an hour as one block (60 slots of count, min, max, sum), each sealed by keys/
 * (BulkSealer, AES-256-GCM under a stored data key) with the identity of its row as authenticated
 * data. What stays in clear, because queries need it: organization, device, patient, metric
 * (LOINC code), unit, times, seq, and a block's total count. None of those is a measurement.
 *
 * MUST: a reading's context names org, device, seq, index, measurement time, patient and metric,
 *       so a sealed value moved to another row (another patient, time, device or metric) fails to open.
 * MUST: a rollup block's context names org, patient, metric, hour and the total count n, so the
 *       count (kept in clear for the optimistic merge) cannot be changed without the block failing to open.
 * MUST: values are encoded as IEEE 754 binary64, so sealing never rounds a measurement.
 */
import type { BulkSealer } from '../keys/index.js';

export type VitalsSealing = BulkSealer;

const SEP = '\u0000';

export interface ReadingIdentity {
  readonly orgId: string;
  readonly deviceId: string;
  readonly patientId: string | null;
  readonly seq: number;
  readonly idx: number;
  readonly metric: string;
  readonly measuredAt: string;
}

export function readingContext(r: ReadingIdentity): string {
  return ['telemetry_readings.value', r.orgId, r.deviceId, String(r.seq), String(r.idx), r.measuredAt, r.patientId ?? '', r.metric].join(SEP);
}

export function rollupContext(orgId: string, patientId: string, metric: string, hour: string, n: number): string {
  return ['telemetry_rollup_blocks', orgId, patientId, metric, hour, String(n)].join(SEP);
}

export function encodeValues(...values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(8 * values.length);
  values.forEach((v, i) => out.writeDoubleLE(v, 8 * i));
  return out;
}

/** The `count` numbers of a plaintext; throws on a wrong length (which authentication rules out). */
export function decodeValues(plaintext: Uint8Array, count: number): number[] {
  if (plaintext.length !== 8 * count) throw new RangeError(`a sealed vital holds ${count} numbers`);
  const view = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  return Array.from({ length: count }, (_, i) => view.readDoubleLE(8 * i));
}
