/**
 * The telemetry envelope a device sends, the metric catalogue, and the pure checks on both.
 *
 * Envelope (JSON, UTF-8):
 *   { "v": 1, "deviceId": "...", "seq": 42, "ts": "2026-11-28T17:00:00.000Z",
 *     "readings": [ { "metric": "8867-4", "value": 72, "unit": "/min" } ], "sig": "base64" }
 *
 * MUST: `seq` is a positive safe integer that grows by at least 1 per message of a device (the
 *       server rejects a seq at or below the last committed one: replay protection).
 * MUST: metric codes are LOINC (vital-signs profile, FHIR R4 §observation-vitalsigns); units are
 *       UCUM and must equal the catalogue's unit for the metric.
 * MUST: `sig`, when present, is an ECDSA P-256 / SHA-256 signature (IEEE P1363 r||s, base64)
 *       by the device's key over `canonicalTelemetry(envelope)`.
 */

export const TELEMETRY_VERSION = 1;
export const MAX_READINGS = 64;

export interface MetricSpec {
  /** LOINC code. */
  readonly code: string;
  readonly name: string;
  /** UCUM unit. */
  readonly unit: string;
  /** The physiologically possible range; values outside are rejected as sensor or forgery errors. */
  readonly min: number;
  readonly max: number;
}

export const METRICS = {
  '8867-4': { code: '8867-4', name: 'Heart rate', unit: '/min', min: 20, max: 300 },
  '59408-5': { code: '59408-5', name: 'Oxygen saturation (SpO2)', unit: '%', min: 50, max: 100 },
  '8480-6': { code: '8480-6', name: 'Systolic blood pressure', unit: 'mm[Hg]', min: 40, max: 300 },
  '8462-4': { code: '8462-4', name: 'Diastolic blood pressure', unit: 'mm[Hg]', min: 20, max: 200 },
  '8310-5': { code: '8310-5', name: 'Body temperature', unit: 'Cel', min: 25, max: 45 },
  '9279-1': { code: '9279-1', name: 'Respiratory rate', unit: '/min', min: 2, max: 80 },
} as const satisfies Record<string, MetricSpec>;

export type MetricCode = keyof typeof METRICS;

export function metricSpec(code: string): MetricSpec | undefined {
  return Object.hasOwn(METRICS, code) ? METRICS[code as MetricCode] : undefined;
}

export interface Reading {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
}

export interface TelemetryEnvelope {
  readonly v: 1;
  readonly deviceId: string;
  readonly seq: number;
  /** ISO-8601 UTC time of measurement. */
  readonly ts: string;
  readonly readings: readonly Reading[];
  readonly sig?: string;
}

/** Why a message was rejected: the reason code counted and emitted as a security event. */
export type TelemetryRejection =
  | 'malformed'
  | 'schema'
  | 'device-mismatch'
  | 'unknown-metric'
  | 'unit'
  | 'range'
  | 'signature'
  | 'replay'
  | 'stale'
  | 'future';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: TelemetryRejection; readonly detail: string };

const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const ENVELOPE_KEYS = new Set(['v', 'deviceId', 'seq', 'ts', 'readings', 'sig']);
const READING_KEYS = new Set(['metric', 'value', 'unit']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail<T>(reason: TelemetryRejection, detail: string): ParseResult<T> {
  return { ok: false, reason, detail };
}

/**
 * Checks a decoded envelope: shape (unknown keys refused), metric, unit and physiologic range.
 * Replay and time-window checks need server state and the clock; they live in the ingest pipeline.
 */
export function parseTelemetry(input: unknown): ParseResult<TelemetryEnvelope> {
  if (!isRecord(input)) return fail('schema', 'envelope must be an object');
  for (const key of Object.keys(input)) if (!ENVELOPE_KEYS.has(key)) return fail('schema', `unknown key ${key}`);
  const { v, deviceId, seq, ts, readings, sig } = input;
  if (v !== TELEMETRY_VERSION) return fail('schema', 'v must be 1');
  if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 64) return fail('schema', 'deviceId must be a string');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return fail('schema', 'seq must be a positive integer');
  if (typeof ts !== 'string' || !ISO_UTC_RE.test(ts) || Number.isNaN(Date.parse(ts))) return fail('schema', 'ts must be an ISO-8601 UTC time');
  if (!Array.isArray(readings) || readings.length === 0 || readings.length > MAX_READINGS) return fail('schema', `readings must hold 1..${MAX_READINGS} items`);
  if (sig !== undefined && (typeof sig !== 'string' || !/^[A-Za-z0-9+/]{86}={0,2}$/.test(sig))) return fail('schema', 'sig must be a base64 P1363 signature');
  const out: Reading[] = [];
  for (const reading of readings as unknown[]) {
    if (!isRecord(reading)) return fail('schema', 'reading must be an object');
    for (const key of Object.keys(reading)) if (!READING_KEYS.has(key)) return fail('schema', `unknown reading key ${key}`);
    const { metric, value, unit } = reading;
    if (typeof metric !== 'string' || typeof unit !== 'string' || typeof value !== 'number' || !Number.isFinite(value)) return fail('schema', 'reading needs metric, value and unit');
    const spec = metricSpec(metric);
    if (!spec) return fail('unknown-metric', `metric ${metric.slice(0, 32)} is not in the catalogue`);
    if (unit !== spec.unit) return fail('unit', `metric ${metric} needs unit ${spec.unit}`);
    if (value < spec.min || value > spec.max) return fail('range', `metric ${metric} value outside ${spec.min}..${spec.max}`);
    out.push({ metric, value, unit });
  }
  const envelope: TelemetryEnvelope = { v: 1, deviceId, seq, ts, readings: out, ...(sig !== undefined ? { sig: sig as string } : {}) };
  return { ok: true, value: envelope };
}

/** The bytes a device signs: a fixed-order JSON array, independent of key order on the wire. */
export function canonicalTelemetry(envelope: Omit<TelemetryEnvelope, 'sig'>): string {
  return JSON.stringify([envelope.v, envelope.deviceId, envelope.seq, envelope.ts, envelope.readings.map((r) => [r.metric, r.value, r.unit])]);
}

/** A command from the cloud. The device MUST refuse an expired command and a nonce it has seen. */
export interface CommandEnvelope {
  readonly v: 1;
  readonly commandId: string;
  /** 128-bit random, base64url. */
  readonly nonce: string;
  readonly name: string;
  readonly args: Readonly<Record<string, string | number | boolean>>;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

export type CommandAckStatus = 'done' | 'failed' | 'rejected';

export interface CommandAck {
  readonly v: 1;
  readonly commandId: string;
  readonly nonce: string;
  readonly status: CommandAckStatus;
  /** A short code: 'expired', 'replayed-nonce', 'unknown-command', or the handler's own. */
  readonly reason?: string;
}
