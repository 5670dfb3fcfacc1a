/**
 * The opaque paging cursor of Observation searches: a position "message (time, device, seq),
 * observation index k within it", and a direction. base64url(JSON); parsed strictly.
 *
 * MUST: a cursor carries a position only, never a filter or an identity: every page re-runs the
 *       access check with the request's own parameters, so a forged cursor can only move within
 *       what the caller may already see.
 */
import { FHIR_ID_RE } from './resources.js';
import { invalid } from './search-params.js';

export interface MessageKey {
  readonly measuredAt: string;
  readonly deviceId: string;
  readonly seq: number;
}

export interface PageCursor {
  /** 'next': observations from position (key, k) on; 'previous': those strictly before it. */
  readonly direction: 'next' | 'previous';
  readonly key: MessageKey;
  readonly k: number;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.direction === 'next' ? 'n' : 'p', c.key.measuredAt, c.key.deviceId, c.key.seq, c.k]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  const bad = () => invalid('The paging cursor is not valid.');
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) throw bad();
  const [d, measuredAt, deviceId, seq, k] = parsed as unknown[];
  if ((d !== 'n' && d !== 'p') || typeof measuredAt !== 'string' || !ISO_RE.test(measuredAt)) throw bad();
  if (typeof deviceId !== 'string' || !FHIR_ID_RE.test(deviceId)) throw bad();
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw bad();
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 128) throw bad();
  return { direction: d === 'n' ? 'next' : 'previous', key: { measuredAt, deviceId, seq }, k };
}
