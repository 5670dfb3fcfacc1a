/**
 * Vital-sign readings as FHIR R4 Observations (vital-signs profile,
 * https://hl7.org/fhir/R4/observation-vitalsigns.html). Pure functions, no I/O.
 *
 * Codes are LOINC, units UCUM (valueQuantity.system http://unitsofmeasure.org, with `code`).
 * Blood pressure: when a systolic (8480-6) and a diastolic (8462-4) reading come in the same
 * message (same device, sequence number and time), they become ONE panel Observation 85354-9
 * with two components, as the vital-signs profile asks for blood pressure. A systolic or a
 * diastolic reading without its partner stays a separate Observation under its own code.
 *
 * Observation ids are stable and derived from the stored reading's natural key:
 *   `{deviceId}.{seq}.{idx}` for a single reading, `{deviceId}.{seq}.bp` for a panel.
 *
 * MUST: only the catalogue's metrics are exposed; a reading of another metric is skipped.
 * MUST: an id that would not be a valid FHIR id (R4 id datatype) is never produced.
 */
import {
  FHIR_ID_RE,
  LOINC_SYSTEM,
  OBSERVATION_CATEGORY_SYSTEM,
  UCUM_SYSTEM,
  VITAL_SIGNS_PROFILE,
  type CodeableConcept,
  type ObservationResource,
  type Quantity,
} from './resources.js';

export interface VitalSignCode {
  readonly code: string;
  readonly display: string;
  /** UCUM code, also shown as the unit. */
  readonly ucum: string;
}

/** The vital signs Vigil exposes, by LOINC code. */
export const VITAL_SIGNS: Readonly<Record<string, VitalSignCode>> = {
  '8867-4': { code: '8867-4', display: 'Heart rate', ucum: '/min' },
  '59408-5': { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', ucum: '%' },
  '8310-5': { code: '8310-5', display: 'Body temperature', ucum: 'Cel' },
  '9279-1': { code: '9279-1', display: 'Respiratory rate', ucum: '/min' },
  '8480-6': { code: '8480-6', display: 'Systolic blood pressure', ucum: 'mm[Hg]' },
  '8462-4': { code: '8462-4', display: 'Diastolic blood pressure', ucum: 'mm[Hg]' },
};

export const BP_PANEL = { code: '85354-9', display: 'Blood pressure panel with all children optional' } as const;
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';

/** Every Observation code a search may name: the single vital signs and the panel. */
export const OBSERVATION_CODES: readonly string[] = [...Object.keys(VITAL_SIGNS), BP_PANEL.code];

/** The stored metrics an Observation code needs read (the panel, and its parts, need both). */
export function metricsForCodes(codes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const code of codes) {
    if (code === BP_PANEL.code || code === SYSTOLIC || code === DIASTOLIC) {
      out.add(SYSTOLIC);
      out.add(DIASTOLIC);
    } else if (Object.hasOwn(VITAL_SIGNS, code)) out.add(code);
  }
  return [...out];
}

/** One stored reading, attributed to a patient. */
export interface VitalReading {
  readonly patientId: string;
  readonly deviceId: string;
  readonly seq: number;
  readonly idx: number;
  readonly metric: string;
  readonly value: number;
  readonly measuredAt: string;
  readonly receivedAt: string;
}

const CATEGORY: readonly CodeableConcept[] = [
  { coding: [{ system: OBSERVATION_CATEGORY_SYSTEM, code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' },
];

function concept(code: string, display: string): CodeableConcept {
  return { coding: [{ system: LOINC_SYSTEM, code, display }], text: display };
}

function quantity(value: number, ucum: string): Quantity {
  return { value, unit: ucum, system: UCUM_SYSTEM, code: ucum };
}

export function singleObservationId(r: Pick<VitalReading, 'deviceId' | 'seq' | 'idx'>): string {
  return `${r.deviceId}.${r.seq}.${r.idx}`;
}

export function panelObservationId(r: Pick<VitalReading, 'deviceId' | 'seq'>): string {
  return `${r.deviceId}.${r.seq}.bp`;
}

export type ObservationKey =
  | { readonly kind: 'single'; readonly deviceId: string; readonly seq: number; readonly idx: number }
  | { readonly kind: 'panel'; readonly deviceId: string; readonly seq: number };

/** Parses an Observation id back into the reading key it names; undefined when it names none. */
export function parseObservationId(id: string): ObservationKey | undefined {
  if (!FHIR_ID_RE.test(id)) return undefined;
  const m = /^([A-Za-z0-9-]{8,64})\.(\d{1,15})\.(\d{1,4}|bp)$/.exec(id);
  if (!m) return undefined;
  const [, deviceId = '', seqText = '', last = ''] = m;
  const seq = Number(seqText);
  if (!Number.isSafeInteger(seq)) return undefined;
  return last === 'bp' ? { kind: 'panel', deviceId, seq } : { kind: 'single', deviceId, seq, idx: Number(last) };
}

function base(id: string, r: VitalReading, code: CodeableConcept): Omit<ObservationResource, 'valueQuantity' | 'component'> {
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [VITAL_SIGNS_PROFILE] },
    status: 'final',
    category: CATEGORY,
    code,
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: r.measuredAt,
    issued: r.receivedAt,
    device: { reference: `Device/${r.deviceId}` },
  };
}

function single(r: VitalReading): ObservationResource | undefined {
  const spec = VITAL_SIGNS[r.metric];
  const id = singleObservationId(r);
  if (spec === undefined || !FHIR_ID_RE.test(id)) return undefined;
  return { ...base(id, r, concept(spec.code, spec.display)), valueQuantity: quantity(r.value, spec.ucum) };
}

function panel(systolic: VitalReading, diastolic: VitalReading): ObservationResource | undefined {
  const id = panelObservationId(systolic);
  if (!FHIR_ID_RE.test(id)) return undefined;
  const part = (r: VitalReading) => {
    const spec = VITAL_SIGNS[r.metric] as VitalSignCode;
    return { code: concept(spec.code, spec.display), valueQuantity: quantity(r.value, spec.ucum) };
  };
  return { ...base(id, systolic, concept(BP_PANEL.code, BP_PANEL.display)), component: [part(systolic), part(diastolic)] };
}

/**
 * The Observations of the readings of ONE message (same device, seq and time), in reading order.
 * The panel stands at the place of the later of its two readings, so that every reading of an
 * Observation comes at or before it (paging positions are "message + observation index").
 */
export function observationsOfMessage(readings: readonly VitalReading[]): ObservationResource[] {
  const systolic = readings.filter((r) => r.metric === SYSTOLIC);
  const diastolic = readings.filter((r) => r.metric === DIASTOLIC);
  const sys = systolic.length === 1 && diastolic.length === 1 ? systolic[0] : undefined;
  const dia = sys ? diastolic[0] : undefined;
  const out: ObservationResource[] = [];
  for (const r of [...readings].sort((a, b) => a.idx - b.idx)) {
    if (sys && dia && (r === sys || r === dia)) {
      if (r.idx !== Math.max(sys.idx, dia.idx)) continue;
      const observation = panel(sys, dia);
      if (observation) out.push(observation);
      continue;
    }
    const observation = single(r);
    if (observation) out.push(observation);
  }
  return out;
}

/** True when two readings belong to the same message. */
export function sameMessage(a: VitalReading, b: VitalReading): boolean {
  return a.deviceId === b.deviceId && a.seq === b.seq && a.measuredAt === b.measuredAt;
}

/** The Observation code of a resource (its first LOINC coding). */
export function observationCode(o: ObservationResource): string {
  return o.code.coding[0]?.code ?? '';
}
