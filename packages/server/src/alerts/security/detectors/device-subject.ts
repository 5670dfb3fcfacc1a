/** The subject of a device event: the device when the transport knew it, else the source address. */
import type { AlertSubject, ObservedEvent } from '../model.js';

export function deviceOrSource(event: ObservedEvent): AlertSubject {
  if (event.deviceId !== undefined) return { kind: 'device', id: event.deviceId };
  return { kind: 'source', id: event.source ?? 'unknown' };
}
