/**
 * HTTP routes of clinical data: device-to-patient bindings and the vitals API.
 *
 *   GET  /api/v1/patients/:id/bindings        bindings:read  -> {bindings}
 *   POST /api/v1/patients/:id/bindings        bindings:write -> binding (201)
 *   POST /api/v1/bindings/:id/end             bindings:write -> binding
 *   GET  /api/v1/patients/:id/vitals/latest   vitals:read    -> {vitals} (PHI rule, audited)
 *   GET  /api/v1/patients/:id/vitals          vitals:read    -> {series} raw points or buckets (PHI rule, audited)
 *   GET  /api/v1/devices/:id/binding          bindings:read  -> {binding, patient, vitals}: the device's binding in force,
 *                                                               the patient's name and MRN (trained reader, audited label) and
 *                                                               the newest readings from this device (PHI rule, audited); null
 *                                                               where the reader may not see them
 *
 * MUST: params and queries are validated (unknown keys refused); response schemas are allowlists.
 * MUST: handlers only translate: the services authorize (access.decide and the PHI rule) and audit.
 */
import Type from 'typebox';
import type { BindingService, PatientBinding } from '../../devices/index.js';
import { AppError } from '../../kernel/index.js';
import type { PatientLabels } from '../../patients/index.js';
import type { VitalsService } from '../../telemetry/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface VitalsRoutesDeps {
  readonly bindings: BindingService;
  readonly vitals: VitalsService;
  /** Patient names on the device page; absent: ids only. */
  readonly labels?: PatientLabels;
}

const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const Metric = Type.String({ pattern: '^[0-9]{1,7}-[0-9]$', maxLength: 10 });

const Binding = Type.Object(
  { id: Type.String(), deviceId: Type.String(), patientId: Type.String(), startAt: Type.String(), endAt: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
const BindingList = Type.Object({ bindings: Type.Array(Binding) }, { additionalProperties: false });
const BindBody = Type.Object({ deviceId: Id, startAt: Type.Optional(Iso) }, { additionalProperties: false });
const EndBody = Type.Object({ endAt: Type.Optional(Iso) }, { additionalProperties: false });

const Vital = Type.Object(
  { metric: Type.String(), value: Type.Number(), unit: Type.String(), measuredAt: Type.String(), deviceId: Type.String() },
  { additionalProperties: false },
);
const LatestResponse = Type.Object({ vitals: Type.Array(Vital) }, { additionalProperties: false });
const RangeQuery = Type.Object(
  {
    metric: Type.Optional(Type.Array(Metric, { maxItems: 10 })),
    from: Type.Optional(Iso),
    to: Type.Optional(Iso),
    bucket: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 * 86_400 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
);
const Series = Type.Object(
  {
    metric: Type.String(),
    unit: Type.String(),
    points: Type.Optional(Type.Array(Type.Object({ t: Type.String(), v: Type.Number() }, { additionalProperties: false }))),
    buckets: Type.Optional(
      Type.Array(
        Type.Object({ t: Type.String(), min: Type.Number(), max: Type.Number(), mean: Type.Number(), count: Type.Integer() }, { additionalProperties: false }),
      ),
    ),
  },
  { additionalProperties: false },
);
const RangeResponse = Type.Object(
  { from: Type.String(), to: Type.String(), bucket: Type.Union([Type.Integer(), Type.Null()]), series: Type.Array(Series) },
  { additionalProperties: false },
);

const DeviceBinding = Type.Object(
  {
    binding: Type.Union([Binding, Type.Null()]),
    patient: Type.Union([Type.Object({ displayName: Type.String(), mrn: Type.String() }, { additionalProperties: false }), Type.Null()]),
    vitals: Type.Union([Type.Array(Vital), Type.Null()]),
  },
  { additionalProperties: false },
);

export function bindingBody(b: PatientBinding) {
  return { id: b.id, deviceId: b.deviceId, patientId: b.patientId, startAt: b.startAt, endAt: b.endAt };
}

export function vitalsRoutes(deps: VitalsRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['clinical'];
    app.get(
      '/api/v1/patients/:id/bindings',
      { config: { permission: 'bindings:read' }, schema: { summary: "A patient's device bindings, newest first.", tags, params: IdParams, response: { 200: BindingList } } },
      async (request) => ({ bindings: (await deps.bindings.listForPatient(requestContext(request), request.params.id)).map(bindingBody) }),
    );

    app.post(
      '/api/v1/patients/:id/bindings',
      {
        config: { permission: 'bindings:write' },
        schema: { summary: 'Bind a device to the patient from startAt (default now).', tags, params: IdParams, body: BindBody, response: { 201: Binding } },
      },
      async (request, reply) => {
        const { deviceId, startAt } = request.body;
        const binding = await deps.bindings.bind(requestContext(request), { patientId: request.params.id, deviceId, ...(startAt !== undefined ? { startAt } : {}) });
        return reply.code(201).send(bindingBody(binding));
      },
    );

    app.post(
      '/api/v1/bindings/:id/end',
      { config: { permission: 'bindings:write' }, schema: { summary: 'End a binding at endAt (default now).', tags, params: IdParams, body: EndBody, response: { 200: Binding } } },
      async (request) => bindingBody(await deps.bindings.end(requestContext(request), request.params.id, request.body.endAt)),
    );

    app.get(
      '/api/v1/devices/:id/binding',
      {
        config: { permission: 'bindings:read' },
        schema: {
          summary: "The device's binding in force, with the patient's name and MRN and the newest readings from this device where the reader may see them (null otherwise; audited).",
          tags,
          params: IdParams,
          response: { 200: DeviceBinding },
        },
      },
      async (request) => {
        const ctx = requestContext(request);
        const binding = await deps.bindings.currentForDevice(ctx, request.params.id);
        if (binding === null) return { binding: null, patient: null, vitals: null };
        const [labels, vitals] = await Promise.all([
          deps.labels === undefined ? Promise.resolve(new Map<string, { displayName: string; mrn: string }>()) : deps.labels.labels(ctx, [binding.patientId], { permission: 'patients:read', purpose: 'device-page', careOnly: false }),
          // The PHI rule decides (and audits); a reader outside it sees the binding without values.
          deps.vitals.latest(ctx, binding.patientId).then(
            (points) => points.filter((p) => p.deviceId === binding.deviceId),
            (error: unknown) => {
              if (error instanceof AppError) return null;
              throw error;
            },
          ),
        ]);
        const label = labels.get(binding.patientId);
        return { binding: bindingBody(binding), patient: label === undefined ? null : { displayName: label.displayName, mrn: label.mrn }, vitals };
      },
    );

    app.get(
      '/api/v1/patients/:id/vitals/latest',
      { config: { permission: 'vitals:read' }, schema: { summary: 'The newest value of each vital sign (PHI rule, audited).', tags, params: IdParams, response: { 200: LatestResponse } } },
      async (request) => ({ vitals: await deps.vitals.latest(requestContext(request), request.params.id) }),
    );

    app.get(
      '/api/v1/patients/:id/vitals',
      {
        config: { permission: 'vitals:read' },
        schema: { summary: 'Vitals over [from, to): raw points, or min/max/mean/count buckets (PHI rule, audited).', tags, params: IdParams, querystring: RangeQuery, response: { 200: RangeResponse } },
      },
      async (request) => {
        const q = request.query;
        const result = await deps.vitals.range(requestContext(request), request.params.id, {
          ...(q.metric !== undefined ? { metrics: q.metric } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
          ...(q.bucket !== undefined ? { bucketSeconds: q.bucket } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
          ...(q.order !== undefined ? { order: q.order } : {}),
        });
        const series = result.series.map((x) => ({
          metric: x.metric,
          unit: x.unit,
          ...(x.points ? { points: x.points.map((p) => ({ t: p.t, v: p.v })) } : {}),
          ...(x.buckets ? { buckets: x.buckets.map((b) => ({ t: b.t, min: b.min, max: b.max, mean: b.mean, count: b.count })) } : {}),
        }));
        return { from: result.from, to: result.to, bucket: result.bucketSeconds, series };
      },
    );
  };
}
