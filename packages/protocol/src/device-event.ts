/**
 * Device events: alarms and faults a device reports on vigil/v1/devices/{deviceId}/events (QoS 1).
 *
 * MUST: an event is a closed object: v, id (the device's idempotency key), ts, kind, code,
 *       severity; nothing else. It carries no free text (a message could hold a patient's values):
 *       codes are the device maker's, from a small alphabet.
 * MUST: parseDeviceEvent is the only way a payload becomes a DeviceEvent.
 */

export const DEVICE_EVENT_KINDS = ['alarm', 'fault', 'notice'] as const;
export type DeviceEventKind = (typeof DEVICE_EVENT_KINDS)[number];
export const DEVICE_EVENT_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type DeviceEventSeverity = (typeof DEVICE_EVENT_SEVERITIES)[number];

export interface DeviceEvent {
  readonly v: 1;
  /** The device's id for this event (1..64 of [A-Za-z0-9._-]); a resend with the same id is one event. */
  readonly id: string;
  /** When it happened, by the device's clock (ISO-8601 UTC). */
  readonly ts: string;
  readonly kind: DeviceEventKind;
  /** The device maker's code, e.g. "lead-off", "battery-low", "sensor-fault" (1..64 of [a-z0-9._-]). */
  readonly code: string;
  readonly severity: DeviceEventSeverity;
}

export type DeviceEventRejection = 'malformed' | 'unknown-field' | 'bad-id' | 'bad-timestamp' | 'bad-kind' | 'bad-code' | 'bad-severity';
export type DeviceEventParse = { readonly ok: true; readonly value: DeviceEvent } | { readonly ok: false; readonly reason: DeviceEventRejection; readonly detail: string };

const FIELDS = new Set(['v', 'id', 'ts', 'kind', 'code', 'severity']);
const ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const CODE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Parses an already JSON-decoded payload. */
export function parseDeviceEvent(input: unknown): DeviceEventParse {
  const fail = (reason: DeviceEventRejection, detail: string): DeviceEventParse => ({ ok: false, reason, detail });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('malformed', 'an event is a JSON object');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FIELDS.has(key)) return fail('unknown-field', `unknown field ${key.slice(0, 32)}`);
  if (o['v'] !== 1) return fail('malformed', 'v must be 1');
  if (typeof o['id'] !== 'string' || !ID_RE.test(o['id'])) return fail('bad-id', 'id: 1..64 of [A-Za-z0-9._-]');
  if (typeof o['ts'] !== 'string' || !TS_RE.test(o['ts']) || !Number.isFinite(Date.parse(o['ts']))) return fail('bad-timestamp', 'ts: ISO-8601 UTC');
  if (typeof o['kind'] !== 'string' || !(DEVICE_EVENT_KINDS as readonly string[]).includes(o['kind'])) return fail('bad-kind', `kind: ${DEVICE_EVENT_KINDS.join(', ')}`);
  if (typeof o['code'] !== 'string' || !CODE_RE.test(o['code'])) return fail('bad-code', 'code: 1..64 of [a-z0-9._-]');
  if (typeof o['severity'] !== 'string' || !(DEVICE_EVENT_SEVERITIES as readonly string[]).includes(o['severity'])) return fail('bad-severity', `severity: ${DEVICE_EVENT_SEVERITIES.join(', ')}`);
  return { ok: true, value: { v: 1, id: o['id'], ts: new Date(o['ts']).toISOString(), kind: o['kind'] as DeviceEventKind, code: o['code'], severity: o['severity'] as DeviceEventSeverity } };
}
