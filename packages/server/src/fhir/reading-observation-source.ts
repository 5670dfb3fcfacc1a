/**
 * ObservationSource and PatientDeviceSource over the stored telemetry readings that carry a
 * patient id. Each call is one transaction: the PHI rule, the read, and its audit event.
 *
 * MUST: only a `user` principal reads PHI (as patients/ requires); the route permission
 *       fhir:read is checked again here with access.decide, with the patient's organization.
 * MUST: the PHI rule is patients/ decidePhiAccess (training and care team, or break-glass);
 *       another tenant, an unknown patient or no care relationship is FHIR_RESOURCE_NOT_FOUND.
 * MUST: every search and read writes one audit event in its transaction: allowed (with the basis,
 *       grant and count) or denied (with the reason). If the audit write fails, nothing is returned.
 */
import { decide } from '../access/index.js';
import { AppError, isId, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { decidePhiAccess } from '../patients/index.js';
import type { ObservationPage, ObservationQuery, ObservationSource, PatientDeviceSource } from './observation-source.js';
import { decodeCursor, encodeCursor, type MessageKey } from './paging-cursor.js';
import { toDeviceResource } from './device-resource.js';
import type { DeviceResource, ObservationResource } from './resources.js';
import type { FhirReadScope } from './store.js';
import { metricsForCodes, observationCode, observationsOfMessage, parseObservationId, sameMessage, type VitalReading } from './vital-signs.js';

/** Rows fetched per round trip: at least a few whole messages (MAX_READINGS 64 per message). */
const MIN_BATCH = 256;

type Outcome<T> = { readonly ok: T } | { readonly refused: AppError };

interface Access {
  readonly orgId: string;
  readonly basis: string;
  readonly grantId: string | null;
}

/** An Observation with its paging position: message key and index within the message. */
interface Positioned {
  readonly observation: ObservationResource;
  readonly key: MessageKey;
  readonly k: number;
}

export class ReadingObservationSource implements ObservationSource, PatientDeviceSource {
  constructor(private readonly deps: { readonly uow: UnitOfWork<FhirReadScope>; readonly clock: { now(): Date } }) {}

  async search(ctx: RequestContext, q: ObservationQuery): Promise<ObservationPage> {
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<ObservationPage>> => {
        const access = await this.#gate(s, ctx, q.patientId, 'fhir.observation.search');
        if ('refused' in access) return access;
        const { orgId } = access.ok;
        const backwards = cursor?.direction === 'previous';
        const order = backwards === (q.sort === 'asc') ? 'desc' : 'asc';
        const metrics = q.codes ? metricsForCodes(q.codes) : undefined;
        const wanted = q.codes ? new Set(q.codes) : undefined;
        // Walk messages in `order` from the cursor's message, collecting count + 1 Observations.
        const taken: Positioned[] = [];
        let start: MessageKey | undefined = cursor?.key;
        let skipStart = true;
        const batch = Math.max(MIN_BATCH, q.count * 3);
        for (;;) {
          const rows = await s.readings.page(orgId, q.patientId, {
            ...(metrics ? { metrics } : {}),
            ...(q.from !== undefined ? { from: q.from } : {}),
            ...(q.to !== undefined ? { to: q.to } : {}),
            order,
            ...(start ? { start } : {}),
            limit: batch,
          });
          const groups = groupByMessage(rows);
          const full = rows.length === batch;
          // A full batch may end inside a message: read that message again with the next batch.
          const last = full && groups.length > 1 ? groups.pop() : undefined;
          for (const group of groups) {
            const first = group[0] as VitalReading;
            const key = { measuredAt: first.measuredAt, deviceId: first.deviceId, seq: first.seq };
            let positioned = observationsOfMessage(group)
              .map((observation, k) => ({ observation, key, k }))
              .filter((p) => wanted === undefined || wanted.has(observationCode(p.observation)));
            if (skipStart && cursor && sameKey(key, cursor.key)) {
              // next: from k on; previous: strictly before k (walked backwards).
              positioned = backwards ? positioned.filter((p) => p.k < cursor.k).reverse() : positioned.filter((p) => p.k >= cursor.k);
            } else if (backwards) positioned.reverse();
            skipStart = false;
            taken.push(...positioned);
            if (taken.length > q.count) break;
          }
          if (taken.length > q.count || !full) break;
          const resume = last?.[0];
          if (!resume) break;
          start = { measuredAt: resume.measuredAt, deviceId: resume.deviceId, seq: resume.seq };
        }
        const more = taken.length > q.count;
        const page = taken.slice(0, q.count);
        if (backwards) page.reverse();
        const firstP = page[0];
        const lastP = page[page.length - 1];
        const out: ObservationPage = {
          observations: page.map((p) => p.observation),
          ...(lastP && (backwards || more) ? { next: encodeCursor({ direction: 'next', key: lastP.key, k: lastP.k + 1 }) } : {}),
          ...(firstP && (backwards ? more : cursor !== undefined) ? { previous: encodeCursor({ direction: 'previous', key: firstP.key, k: firstP.k }) } : {}),
        };
        await s.audit.record(ctx, {
          action: 'fhir.observation.search',
          target: { type: 'patient', id: q.patientId },
          outcome: 'success',
          reason: access.ok.basis,
          orgId,
          details: { basis: access.ok.basis, grantId: access.ok.grantId, count: out.observations.length, codes: q.codes ? q.codes.join(',') : 'all' },
        });
        return { ok: out };
      }),
    );
  }

  async read(ctx: RequestContext, id: string): Promise<ObservationResource> {
    const key = parseObservationId(id);
    const orgId = userOrg(ctx);
    if (!key) throw new AppError('FHIR_RESOURCE_NOT_FOUND');
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<ObservationResource>> => {
        const patientId = await s.readings.patientOfMessage(orgId, key.deviceId, key.seq);
        if (patientId === undefined) return { refused: new AppError('FHIR_RESOURCE_NOT_FOUND') };
        const access = await this.#gate(s, ctx, patientId, 'fhir.observation.read');
        if ('refused' in access) return access;
        const rows = await s.readings.message(orgId, patientId, key.deviceId, key.seq);
        const observation = observationsOfMessage(rows).find((o) => o.id === id);
        await s.audit.record(ctx, {
          action: 'fhir.observation.read',
          target: { type: 'patient', id: patientId },
          outcome: observation ? 'success' : 'failure',
          reason: observation ? access.ok.basis : 'not-found',
          orgId,
          details: { basis: access.ok.basis, grantId: access.ok.grantId, count: observation ? 1 : 0 },
        });
        return observation ? { ok: observation } : { refused: new AppError('FHIR_RESOURCE_NOT_FOUND') };
      }),
    );
  }

  async devicesOf(ctx: RequestContext, patientId: string, count: number): Promise<readonly DeviceResource[]> {
    return settle(
      this.deps.uow.run(async (s): Promise<Outcome<DeviceResource[]>> => {
        const access = await this.#gate(s, ctx, patientId, 'fhir.device.search');
        if ('refused' in access) return access;
        const out: DeviceResource[] = [];
        for (const deviceId of await s.readings.devicesOf(access.ok.orgId, patientId, count)) {
          const device = await s.devices.find(access.ok.orgId, deviceId);
          if (device) out.push(toDeviceResource(device, patientId));
        }
        await s.audit.record(ctx, {
          action: 'fhir.device.search',
          target: { type: 'patient', id: patientId },
          outcome: 'success',
          reason: access.ok.basis,
          orgId: access.ok.orgId,
          details: { basis: access.ok.basis, grantId: access.ok.grantId, count: out.length },
        });
        return { ok: out };
      }),
    );
  }

  /** The PHI rule for one patient; a refusal is audited here and returned (the caller commits it). */
  async #gate(s: FhirReadScope, ctx: RequestContext, patientId: string, action: string): Promise<Outcome<Access>> {
    const orgId = userOrg(ctx);
    const principal = ctx.principal;
    if (principal.kind !== 'user') throw new AppError('PATIENTS_PHI_PRINCIPAL_REQUIRED');
    const target = { type: 'patient', id: isId(patientId) ? patientId : 'invalid' };
    const deny = async (reason: string, code: 'FHIR_RESOURCE_NOT_FOUND' | 'PATIENTS_TRAINING_REQUIRED'): Promise<Outcome<Access>> => {
      await s.audit.record(ctx, { action, target, outcome: 'denied', reason, orgId });
      return { refused: new AppError(code) };
    };
    if (!isId(patientId)) return deny('not-found', 'FHIR_RESOURCE_NOT_FOUND');
    const row = await s.patients.get(orgId, patientId);
    if (row === undefined || !decide(principal, 'fhir:read', { orgId: row.orgId }).allow) return deny('not-found', 'FHIR_RESOURCE_NOT_FOUND');
    const now = this.deps.clock.now();
    const [careTeam, training, grants] = await Promise.all([
      s.careTeams.members(row.orgId, row.id),
      s.training.listForUser(principal.orgId, principal.id),
      s.breakGlass.activeFor(principal.orgId, row.id, principal.id, now.toISOString()),
    ]);
    const decision = decidePhiAccess({ now, userId: principal.id, training, careTeam, grants });
    if (!decision.allow) {
      // No care relationship answers 404 (the FHIR client learns nothing of the patient); missing training says so.
      return deny(decision.reason, decision.reason === 'training-required' ? 'PATIENTS_TRAINING_REQUIRED' : 'FHIR_RESOURCE_NOT_FOUND');
    }
    return { ok: { orgId: row.orgId, basis: decision.basis, grantId: decision.basis === 'break-glass' ? decision.grantId : null } };
  }
}

function userOrg(ctx: RequestContext): string {
  if (ctx.principal.kind !== 'user') throw new AppError('PATIENTS_PHI_PRINCIPAL_REQUIRED');
  return ctx.principal.orgId;
}

async function settle<T>(promise: Promise<Outcome<T>>): Promise<T> {
  const outcome = await promise;
  if ('refused' in outcome) throw outcome.refused;
  return outcome.ok;
}

function sameKey(a: MessageKey, b: MessageKey): boolean {
  return a.measuredAt === b.measuredAt && a.deviceId === b.deviceId && a.seq === b.seq;
}

/** Consecutive readings of the same message, in the order given. */
export function groupByMessage(rows: readonly VitalReading[]): VitalReading[][] {
  const groups: VitalReading[][] = [];
  for (const r of rows) {
    const current = groups[groups.length - 1];
    if (current && sameMessage(current[0] as VitalReading, r)) current.push(r);
    else groups.push([r]);
  }
  return groups;
}
